import type { BuilderDefinition } from '../../lib/builder-registry.ts';
import { conversationBuilder } from '../../lib/conversation/conversation-builder.ts';
import { conversationBuilderFields } from '../../lib/conversation/conversation-builder-fields.ts';
import { stageRegistry } from '../../lib/conversation/stage-registry.ts';
import { packagePath } from '../../lib/package-path.ts';
import { coreConversationStages } from '../conversation/stages/core-stages.ts';
import { ragTaskFields } from './rag-task-fields.ts';
import { refuseLiveRetrieval } from './refuse-live-retrieval.ts';
import { ragConversationStages } from './stages/rag-stages.ts';
import { taskSearchEngines } from './task-search-engines.ts';

/**
 * DGT's `public/rag/conversation`: multi-turn conversations grounded in documents fixed when each conversation
 * starts (DGT's "pattern 1", static context). The task's `tools.engines` name its search engines (`search/file`,
 * `search/in_memory`, over a corpus file in the task's folder); `lm/scenario/rag` samples `k` documents from one and
 * writes a scenario about them (a `rag/scenario` step holding the `documents`); then every turn
 * `lm/flow_controller/rag` picks an interaction pattern, `lm/user/rag` asks, and `lm/assistant/rag/static` answers
 * from the documents, checked for grounding and rewritten when it fails. The core conversation stages
 * (`sample/persona`, ...) can be used too. Records are DGT's `ConversationDataPoint`s; the
 * `formatters/conversation/rag/static` formatter gives `{ conversation_id, messages, documents }`.
 *
 * Left out: live retrieval (`lm/assistant/rag`, `lm/scenario/rag/live`) and live web search engines
 * (`search/web/...`): a task naming one exits 2 saying so. DGT's RAG metrics (corpus coverage, pattern counts) are
 * not computed.
 *
 * ## Example
 * ```yaml
 * task_name: city_services
 * data_builder: public/rag/conversation
 * max_turns: 4
 * min_turns: 2
 * tools:
 *   engines:
 *     file_retriever: { type: search/file, path: documents.jsonl, projection: { body: text, doc_id: id }, limit: 3 }
 * initialization_stages:
 *   - { name: lm/scenario/rag, generator: generator, k: 2, document_samplers: [{ type: search/random, engine: file_retriever, group_by: domain, weight: 1.0 }] }
 * iteration_stages:
 *   - name: lm/flow_controller/rag
 *     termination_patterns: [rag/termination]
 *     patterns: [{ name: rag/factoid, description: A short factual question. }, { name: rag/termination, description: The user wraps up. }]
 *   - { name: lm/user/rag }
 *   - { name: lm/assistant/rag/static, max_retries: 2 }
 * formatter: { type: formatters/conversation/rag/static }
 * ```
 */
export const ragConversation: BuilderDefinition = {
  name: 'public/rag/conversation',
  kind: 'generation',
  seedless: true,
  yamlPath: packagePath('builders', 'rag-conversation', 'rag.yaml'),
  taskFields: ragTaskFields,
  builderFields: conversationBuilderFields,
  create: (blocks, task) => {
    refuseLiveRetrieval(task);
    const registry = stageRegistry([...coreConversationStages, ...ragConversationStages(taskSearchEngines(task))]);
    return conversationBuilder({ registry, blocks, task });
  },
};

/** The builders of this folder, as the registry lists them. */
export const ragConversationBuilders: readonly BuilderDefinition[] = [ragConversation];
