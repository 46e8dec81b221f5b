import { map } from 'rxjs';
import { z } from 'zod';
import { askModel } from '../../../lib/conversation/ask-model.ts';
import { type Conversation, appendStep, lastStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';
import { drawUuid } from '../../../lib/conversation/draw-uuid.ts';

/** `count` of the items, drawn without replacement (all of them when there are fewer). */
function sample<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const picked: T[] = [];
  while (picked.length < count && pool.length > 0) picked.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return picked;
}

/** The request for a scenario, showing the examples' scenarios. */
export function scenarioMessages(examples: readonly Conversation[]): ChatMessage[] {
  const shown = examples.flatMap((example) => {
    const content = lastStep(example.steps, 'scenario')?.content;
    return typeof content === 'string' && content.trim() ? [`- ${content.trim()}`] : [];
  });
  const parts = [
    'Invent the setting of a chat between a person and an AI assistant, in one to three sentences: who the person is, what they would like to talk about, and any background that shapes the chat.',
    ...(shown.length > 0 ? [`Some settings written earlier, for the style and length:\n${shown.join('\n')}`] : []),
    'Answer with the new setting only.\n\nScenario:',
  ];
  return [{ role: 'user', content: parts.join('\n\n') }];
}

/**
 * DGT's `lm/scenario` (initialization): asks the model for a short scenario, showing the scenarios of
 * `num_icl_examples` seed conversations drawn from the input's examples, and appends a `scenario` step with a new
 * `scenario_family_id`. An empty answer drops the conversation (`empty_answer`).
 *
 * ## Example
 * ```yaml
 * initialization_stages:
 *   - name: lm/scenario
 *     generator: generator
 *     num_icl_examples: 2
 * ```
 */
export const lmScenario = defineStage({
  name: 'lm/scenario',
  config: { generator: z.string().min(1).optional(), num_icl_examples: z.int().min(0).default(3) },
  create: ({ name, config, engine }) => {
    const generator = engine('generator');
    return (conversation, context) => {
      const messages = scenarioMessages(sample(context.examples, config.num_icl_examples, context.random));
      return askModel(generator, { method: 'chat', messages, maxTokens: 1024 }, context).pipe(
        map((text) =>
          text
            ? appendStep(conversation, makeStep('scenario', { content: text, stage_name: name, scenario_family_id: drawUuid(context.random) }))
            : dropConversation('empty_answer', 'the model wrote no scenario'),
        ),
      );
    };
  },
});
