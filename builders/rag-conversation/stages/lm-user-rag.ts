import { map } from 'rxjs';
import { z } from 'zod';
import { askModel } from '../../../lib/conversation/ask-model.ts';
import { type Conversation, appendStep, lastStep, makeStep, stepsWithRole } from '../../../lib/conversation/conversation.ts';
import { type StageOutput, defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { stepsToMessages } from '../../../lib/conversation/steps-to-messages.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';
import type { ResponseFormat } from '../../../lib/model/response-format.ts';
import { renderPersona } from '../../conversation/stages/render-persona.ts';
import { ragScenarioOf } from './rag-scenario-of.ts';
import { readJsonAnswer } from './read-json-answer.ts';
import { renderDocuments } from './render-documents.ts';

/** The JSON Schema of the user-turn answer (DGT's `rag_user_turn`): a draft, its check, and the final utterance. */
export const userTurnFormat: ResponseFormat = {
  name: 'rag_user_turn',
  schema: {
    type: 'object',
    properties: {
      reasoning: { type: 'string', description: 'What the scenario calls for, what the conversation has covered, and where the next message should take it.' },
      proposed_utterance: { type: 'string', description: 'A first draft of the next user message.' },
      verification: { type: 'string', enum: ['yes', 'no'], description: "Whether the draft fits the scenario and the conversation and asks nothing already asked: 'yes' or 'no'." },
      verification_reasoning: { type: 'string', description: "Why the draft passes or fails the check; on 'no', what must change." },
      utterance: { type: 'string', description: "The final message: the draft (fixed first when the check said 'no'), reworded as a person who has not read the documents would say it." },
    },
    required: ['reasoning', 'proposed_utterance', 'verification', 'verification_reasoning', 'utterance'],
    additionalProperties: false,
  },
};

/**
 * The request for the next user message: a system message with the rules, the scenario, the user's persona, the
 * flow controller's pattern and hint, and the documents; the conversation with the roles swapped (the simulated user
 * speaks as the assistant; tool results kept); then the instruction to answer in the `rag_user_turn` format.
 */
export function ragUserMessages(conversation: Conversation): ChatMessage[] {
  const { steps } = conversation;
  const { scenario, documents } = ragScenarioOf(steps);
  const persona = stepsWithRole(steps, 'persona').filter((step) => step.target === 'user').at(-1);
  const controller = lastStep(steps, 'flow_controller');
  const pattern = typeof controller?.content === 'string' ? controller.content : '';
  const system = [
    [
      'You play the user in a conversation with an AI assistant, and your messages move the conversation forward. Never leave the role.',
      'Rules:',
      '- Never ask again what you asked before.',
      '- Follow the hint closely: it says what kind of question fits this turn. Without a hint, work out a natural next question from the scenario and the conversation; without either, from the conversation alone.',
      "- Word your final message as someone who has not read the documents would: everyday words, nothing copied from the documents' wording.",
      '- Keep it short and natural.',
      '- Never say or hint that you are an AI or a simulated user.',
    ].join('\n'),
    ...(scenario ? [`Scenario:\n${scenario}`] : []),
    ...(persona ? [`Your persona:\n${renderPersona(persona)}`] : []),
    ...(pattern ? [`How this turn goes (interaction pattern): ${pattern}`] : []),
    ...(controller?.hint ? [`Hint: ${controller.hint}`] : []),
    ...(documents.length > 0 ? [`Documents your questions can draw on:\n${renderDocuments(documents, '(no documents provided)')}`] : []),
  ].join('\n\n');
  const swapped = stepsToMessages(steps).map((message): ChatMessage => {
    if (message.role === 'user') return { ...message, role: 'assistant' };
    if (message.role === 'assistant') return { role: 'user', content: message.content || (message.tool_calls ?? []).map((call) => `[tool call] ${call.function.name}(${String(call.function.arguments)})`).join('\n') };
    return message;
  });
  const ask =
    'Write the next user message as a JSON object in the given schema. Use the hint if there is one: it says what to ask this turn. ' +
    'Think through what the scenario needs and what is already covered, draft a message, check that it asks nothing already asked and fits the scenario and the conversation, ' +
    'then reword it as a person who has not read the documents.';
  return [{ role: 'system', content: system }, ...swapped, { role: 'user', content: ask }];
}

/**
 * Reads the user-turn answer: its `utterance`, else its `proposed_utterance`, else (an answer that is not JSON, as
 * DGT takes it) the text itself. Undefined for a JSON answer with neither.
 */
export function parseUserTurn(answer: string): string | undefined {
  const read = readJsonAnswer(answer);
  if (read.kind === 'text') return read.text || undefined;
  if (read.kind === 'other') return undefined;
  for (const field of ['utterance', 'proposed_utterance']) {
    const value = read.value[field];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

/**
 * DGT's `lm/user/rag` (iteration): writes the next user message in one structured call (draft, self-check,
 * reworded final utterance: JSON in the `rag_user_turn` format), grounded in the scenario's documents and steered by
 * the flow controller's pattern and hint, and appends a `user` step. Drops: `empty_answer`, `garbled_user_turn`
 * (JSON with neither an `utterance` nor a `proposed_utterance`).
 *
 * ## Example
 * ```yaml
 * iteration_stages:
 *   - name: lm/user/rag
 *     generator: generator
 * ```
 */
export const lmUserRag = defineStage({
  name: 'lm/user/rag',
  config: { generator: z.string().min(1).optional() },
  create: ({ name, engine }) => {
    const generator = engine('generator');
    return (conversation, context) =>
      askModel(generator, { method: 'chat', messages: ragUserMessages(conversation), maxTokens: 512, responseFormat: userTurnFormat }, context).pipe(
        map((answer): StageOutput => {
          if (!answer) return dropConversation('empty_answer', 'the model wrote no user message');
          const utterance = parseUserTurn(answer);
          if (!utterance) return dropConversation('garbled_user_turn', `the user-turn answer has no "utterance" (answer: ${answer.slice(0, 200)})`);
          return appendStep(conversation, makeStep('user', { content: utterance, stage_name: name }));
        }),
      );
  },
});
