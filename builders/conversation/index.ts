import type { BuilderDefinition } from '../../lib/builder-registry.ts';
import { conversationBuilder } from '../../lib/conversation/conversation-builder.ts';
import { conversationBuilderFields } from '../../lib/conversation/conversation-builder-fields.ts';
import { conversationTaskFields } from '../../lib/conversation/conversation-task-fields.ts';
import { stageRegistry } from '../../lib/conversation/stage-registry.ts';
import { packagePath } from '../../lib/package-path.ts';
import { coreConversationStages } from './stages/core-stages.ts';

export { coreConversationStages } from './stages/core-stages.ts';

const registry = stageRegistry(coreConversationStages);

/**
 * DGT's `core/conversation`: multi-turn conversations grown by the stages a task lists. Each conversation runs the
 * `initialization_stages` once (a scenario, a persona), then turn after turn the `iteration_stages` (flow controller,
 * user, assistant) until a flow controller ends it or `max_turns` is reached; `min_turns` sets the floor below which
 * it is dropped. Records are DGT's `ConversationDataPoint` (`conversation_id`, `steps`, ...); the
 * `formatters/conversation/messages` formatter turns them into chat examples.
 *
 * ## Example
 * ```yaml
 * task_name: chit_chat
 * data_builder: core/conversation
 * max_turns: 4
 * min_turns: 2
 * initialization_stages:
 *   - { name: lm/scenario, num_icl_examples: 2 }
 *   - { name: sample/persona, persona_store: { type: default, data_path: personas.jsonl } }
 * iteration_stages:
 *   - name: lm/flow_controller
 *     termination_patterns: [chat/end]
 *     patterns: [{ name: chat/ask, description: The user asks something. }, { name: chat/end, description: The user says goodbye. }]
 *   - { name: lm/user/guided }
 *   - { name: lm/assistant/naive }
 * seed_datastore: { type: default, data_path: seed_examples.jsonl }
 * ```
 */
export const coreConversation: BuilderDefinition = {
  name: 'core/conversation',
  kind: 'generation',
  seedless: true,
  yamlPath: packagePath('builders', 'conversation', 'conversation.yaml'),
  taskFields: conversationTaskFields,
  builderFields: conversationBuilderFields,
  create: (blocks, task) => conversationBuilder({ registry, blocks, task }),
};

/** The builders of this folder, as the registry lists them. */
export const conversationBuilders: readonly BuilderDefinition[] = [coreConversation];
