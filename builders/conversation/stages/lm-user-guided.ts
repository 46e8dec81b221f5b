import { map } from 'rxjs';
import { z } from 'zod';
import { askModel } from '../../../lib/conversation/ask-model.ts';
import { type Conversation, appendStep, lastStep, makeStep, stepsWithRole } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { stepsToMessages } from '../../../lib/conversation/steps-to-messages.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';
import { renderPersona } from './render-persona.ts';

/**
 * The request for the next user message: a system message with the scenario, the user's persona and the flow
 * controller's hint, then the conversation with the roles swapped (the simulated user speaks as the assistant), then
 * the instruction to write the next message.
 */
export function userMessages(conversation: Conversation): ChatMessage[] {
  const { steps } = conversation;
  const scenario = lastStep(steps, 'scenario')?.content;
  const persona = stepsWithRole(steps, 'persona').filter((step) => step.target === 'user').at(-1);
  const hint = lastStep(steps, 'flow_controller')?.hint;
  const system = [
    'You play a person chatting with an AI assistant. Stay in character and write as that person would.',
    ...(scenario ? [`The situation:\n${String(scenario)}`] : []),
    ...(persona ? [`Who you are:\n${renderPersona(persona)}`] : []),
    ...(hint ? [`What your next message should do: ${hint}`] : []),
  ].join('\n\n');
  const swapped = stepsToMessages(steps).map((message): ChatMessage => {
    if (message.role === 'user') return { role: 'assistant', content: message.content };
    if (message.role === 'assistant') {
      const calls = message.tool_calls?.map((call) => `[tool call] ${call.function.name}(${typeof call.function.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function.arguments)})`);
      return { role: 'user', content: calls?.length ? calls.join('\n') : message.content };
    }
    return message;
  });
  const ask: ChatMessage = { role: 'user', content: "Now write the person's next message: the message text only, with no name, label or quotation marks." };
  return [{ role: 'system', content: system }, ...swapped, ask];
}

/**
 * DGT's `lm/user/guided` (iteration): writes the next user message from the scenario, the user persona (if any),
 * the last flow-controller hint and the conversation so far, and appends a `user` step. An empty answer drops the
 * conversation (`empty_answer`).
 *
 * ## Example
 * ```yaml
 * iteration_stages:
 *   - name: lm/user/guided
 *     generator: generator
 * ```
 */
export const lmUserGuided = defineStage({
  name: 'lm/user/guided',
  config: { generator: z.string().min(1).optional() },
  create: ({ name, engine }) => {
    const generator = engine('generator');
    return (conversation, context) =>
      askModel(generator, { method: 'chat', messages: userMessages(conversation), maxTokens: 256 }, context).pipe(
        map((text) => (text ? appendStep(conversation, makeStep('user', { content: text, stage_name: name })) : dropConversation('empty_answer', 'the model wrote no user message'))),
      );
  },
});
