import { map } from 'rxjs';
import { z } from 'zod';
import { askModel } from '../../../lib/conversation/ask-model.ts';
import { type Conversation, appendStep, lastStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';

/** The request for the next assistant message: a system message with the scenario, then the user and assistant turns. */
export function assistantMessages(conversation: Conversation): ChatMessage[] {
  const scenario = lastStep(conversation.steps, 'scenario')?.content;
  const system = ['You are a helpful, warm AI assistant.', ...(scenario ? [`What this conversation is about:\n${String(scenario)}`] : [])].join('\n\n');
  const turns = conversation.steps.flatMap((step): ChatMessage[] =>
    step.role === 'user' || step.role === 'assistant' ? [{ role: step.role, content: typeof step.content === 'string' ? step.content : JSON.stringify(step.content) }] : [],
  );
  return [{ role: 'system', content: system }, ...turns];
}

/**
 * DGT's `lm/assistant/naive` (iteration): answers the last user message with no special guidance, seeing the
 * scenario and the user and assistant turns, and appends an `assistant` step. An empty answer drops the conversation
 * (`empty_answer`).
 *
 * ## Example
 * ```yaml
 * iteration_stages:
 *   - name: lm/assistant/naive
 *     generator: generator
 * ```
 */
export const lmAssistantNaive = defineStage({
  name: 'lm/assistant/naive',
  config: { generator: z.string().min(1).optional() },
  create: ({ name, engine }) => {
    const generator = engine('generator');
    return (conversation, context) =>
      askModel(generator, { method: 'chat', messages: assistantMessages(conversation), maxTokens: 1024 }, context).pipe(
        map((text) => (text ? appendStep(conversation, makeStep('assistant', { content: text, stage_name: name })) : dropConversation('empty_answer', 'the model wrote no assistant message'))),
      );
  },
});
