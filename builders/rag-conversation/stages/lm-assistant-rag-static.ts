import { type Observable, mergeMap, of } from 'rxjs';
import { z } from 'zod';
import { askModel } from '../../../lib/conversation/ask-model.ts';
import { type Conversation, appendStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { type StageContext, type StageOutput, defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { stepsToMessages } from '../../../lib/conversation/steps-to-messages.ts';
import type { ChatMessage } from '../../../lib/model/language-model.ts';
import type { Engine } from '../../../lib/model/engine.ts';
import type { ResponseFormat } from '../../../lib/model/response-format.ts';
import { ragScenarioOf } from './rag-scenario-of.ts';
import { readJsonAnswer } from './read-json-answer.ts';
import { renderDocuments } from './render-documents.ts';

/** The JSON Schema of the grounding check (DGT's `rag_critique`): `{ reasoning, valid: 'yes' | 'no', issues }`. */
export const critiqueFormat: ResponseFormat = {
  name: 'rag_critique',
  schema: {
    type: 'object',
    properties: {
      reasoning: {
        type: 'string',
        description:
          'For each factual claim of the answer, the document sentences that support it or how it follows from them; claims that need outside knowledge are marked unsupported. Saying the documents do not cover something always counts as supported.',
      },
      valid: { type: 'string', enum: ['yes', 'no'], description: "'yes' when every claim is stated in or follows from the documents, or is openly marked as beyond them; else 'no'." },
      issues: { type: 'string', description: "On 'no', the claims that are not grounded; on 'yes', empty." },
    },
    required: ['reasoning', 'valid', 'issues'],
    additionalProperties: false,
  },
};

/** The grounding check's verdict. `readable` is false when the answer was not a JSON object. */
export interface Critique {
  readonly valid: boolean;
  readonly issues: string;
  readonly reasoning: string;
  readonly readable: boolean;
}

/** Reads the grounding check: valid only on `"valid": "yes"`; an answer that is not a JSON object fails it (as in DGT). */
export function parseCritique(answer: string): Critique {
  const read = readJsonAnswer(answer);
  if (read.kind !== 'object') return { valid: false, issues: 'The grounding check could not be read.', reasoning: '', readable: false };
  const text = (field: string): string => (typeof read.value[field] === 'string' ? (read.value[field] as string).trim() : '');
  return { valid: text('valid').toLowerCase() === 'yes', issues: text('issues'), reasoning: text('reasoning'), readable: true };
}

function answerSystem(documents: ReturnType<typeof ragScenarioOf>['documents']): ChatMessage {
  const content = [
    'You are a helpful AI assistant. Answer only from the documents below.',
    [
      'Rules:',
      '- When the documents answer the question fully, answer it directly and completely.',
      '- When they answer it in part, give what they say, then name exactly what they leave out. Add no details of your own.',
      '- Say the documents cannot answer only when they hold nothing relevant at all, not merely because the answer is incomplete.',
      'Never make up facts, figures, names or rules the documents do not contain.',
    ].join('\n'),
    `Context documents:\n${renderDocuments(documents, '(no documents provided)')}`,
  ].join('\n\n');
  return { role: 'system', content };
}

function critiqueMessages(conversation: Conversation, response: string, documents: ReturnType<typeof ragScenarioOf>['documents']): ChatMessage[] {
  const system = [
    'You check whether an AI assistant\'s answer is grounded in the documents it was given: every factual claim must come from them.',
    [
      'The answer is valid when:',
      '- each factual claim is stated in the documents or follows from them by plain reasoning;',
      "- any gap is openly called one (for example 'the documents do not say', 'from the documents I can only confirm ...').",
      'The answer is not valid when:',
      '- a claim needs background knowledge or facts the documents do not contain (reasoning from the documents\' own content is fine);',
      '- it states something uncertain or speculative as settled fact without the documents backing it.',
    ].join('\n'),
    `Documents:\n${renderDocuments(documents, '(no documents provided)')}`,
  ].join('\n\n');
  const ask = 'Check the assistant answer above. For each factual claim, quote the document sentences that back it, or mark it unsupported when none do. Answer with a JSON object in the given schema.';
  return [{ role: 'system', content: system }, ...stepsToMessages(conversation.steps), { role: 'assistant', content: response }, { role: 'user', content: ask }];
}

function rewriteMessages(conversation: Conversation, failed: string, issues: string, documents: ReturnType<typeof ragScenarioOf>['documents']): ChatMessage[] {
  const ask = `[REWRITE REQUEST] The answer above is not fully grounded in the documents. ${issues} Rewrite it so that every claim comes from the documents, or say plainly what the documents do not cover.`;
  return [answerSystem(documents), ...stepsToMessages(conversation.steps), { role: 'assistant', content: failed }, { role: 'user', content: ask }];
}

/**
 * DGT's `lm/assistant/rag/static` (iteration, static context): answers the last user message from the documents of
 * the conversation's `rag/scenario` step, then has the same model check the answer's grounding (JSON in the
 * `rag_critique` format). A failed check asks for a rewrite naming the issues, up to `max_retries` times (default 1,
 * at most 3 as in DGT); the answer that passes is appended as an `assistant` step with `metadata.critique_attempts`
 * and `metadata.critique_reasoning`. No tool-call steps are written. Drops: `empty_answer`, `ungrounded_answer`
 * (every attempt failed the check), `garbled_critique` (the last check could not be read).
 *
 * ## Example
 * ```yaml
 * iteration_stages:
 *   - name: lm/assistant/rag/static
 *     generator: generator
 *     max_retries: 3
 * ```
 */
export const lmAssistantRagStatic = defineStage({
  name: 'lm/assistant/rag/static',
  config: { generator: z.string().min(1).optional(), max_retries: z.int().default(1) },
  create: ({ name, config, engine }) => {
    const generator: Engine = engine('generator');
    const maxRetries = Math.min(Math.max(0, config.max_retries), 3);
    return (conversation, context: StageContext) => {
      const { documents } = ragScenarioOf(conversation.steps);
      const attempt = (number: number, messages: readonly ChatMessage[]): Observable<StageOutput> =>
        askModel(generator, { method: 'chat', messages, maxTokens: 1024 }, context).pipe(
          mergeMap((response): Observable<StageOutput> => {
            if (!response) return of(dropConversation('empty_answer', `the model wrote no assistant message (attempt ${number})`));
            return askModel(generator, { method: 'chat', messages: critiqueMessages(conversation, response, documents), maxTokens: 512, responseFormat: critiqueFormat }, context).pipe(
              mergeMap((answer): Observable<StageOutput> => {
                const critique = parseCritique(answer);
                if (critique.valid) {
                  const metadata = { critique_attempts: number, critique_reasoning: critique.reasoning };
                  return of(appendStep(conversation, makeStep('assistant', { content: response, stage_name: name, metadata })));
                }
                if (number <= maxRetries) return attempt(number + 1, rewriteMessages(conversation, response, critique.issues, documents));
                return of(
                  critique.readable
                    ? dropConversation('ungrounded_answer', `the grounding check rejected the answer ${number} time(s); last issues: ${critique.issues || '(none given)'}`)
                    : dropConversation('garbled_critique', `the grounding check of attempt ${number} was not a JSON object (answer: ${answer.slice(0, 200)})`),
                );
              }),
            );
          }),
        );
      return attempt(1, [answerSystem(documents), ...stepsToMessages(conversation.steps)]);
    };
  },
});
