/**
 * Response bodies of the local OpenAI-compatible test server: completion envelopes, the model list,
 * OpenAI-shaped errors and the rough word-based token count. Internal to `test-server.ts`.
 */

import { countWords } from '../text/count-words.ts';
import type { TestServerAnswer } from './test-server-options.ts';

// The word count stands in for tokens in every fake: re-exported for the other test servers.
export { countWords };

/** The only model the test server lists. */
export const testModelName = 'test-model';

/** Counts the words of chat messages, whose content is a string or an array of `{ type: 'text', text }` parts. */
export function countMessageWords(messages: unknown): number {
  if (!Array.isArray(messages)) return 0;
  let words = 0;
  for (const message of messages) {
    const content = (message as { content?: unknown } | null)?.content;
    if (typeof content === 'string') words += countWords(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        const text = (part as { text?: unknown } | null)?.text;
        if (typeof text === 'string') words += countWords(text);
      }
    }
  }
  return words;
}

/** The prompts of a legacy completion request: a string, an array of strings, or missing (one empty prompt). */
export function promptsOf(prompt: unknown): readonly string[] {
  if (typeof prompt === 'string') return [prompt];
  if (Array.isArray(prompt) && prompt.length > 0) return prompt.map((item) => (typeof item === 'string' ? item : String(item)));
  return [''];
}

/** Text with no expected structure, for the `garbled` fault: no "Question:"/"Answer:", not JSON. */
export function garbledText(index: number, choice: number): string {
  return `%% zq ~~ ][ ${index}.${choice} ::: >< ##`;
}

/** One answer as the server writes it: a plain text, or a scripted {@link TestServerAnswer}. */
export type Answer = string | TestServerAnswer;

type ToolCallAnswer = NonNullable<TestServerAnswer['toolCalls']>[number];

function argumentsOf(call: ToolCallAnswer): string {
  return typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
}

/** Words of an answer: its text and its tool calls' names and arguments. */
function wordsOf(answer: Answer): number {
  if (typeof answer === 'string') return countWords(answer);
  let words = countWords(answer.content ?? '');
  for (const call of answer.toolCalls ?? []) words += countWords(`${call.name} ${argumentsOf(call)}`);
  return words;
}

/** Token usage of an answer, counted in words. */
function usageOf(promptTokens: number, answers: readonly Answer[]) {
  let completionTokens = 0;
  for (const answer of answers) completionTokens += wordsOf(answer);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** Serialized completion envelope of type `object`, with word-counted usage of `answers`. */
function envelopeBody(id: string, object: string, model: string, choices: readonly unknown[], promptTokens: number, answers: readonly Answer[]): string {
  return JSON.stringify({ id, object, created: Math.floor(Date.now() / 1000), model, choices, usage: usageOf(promptTokens, answers) });
}

function finishReasonOf(answer: Answer): string {
  if (typeof answer === 'string') return 'stop';
  return answer.finishReason ?? (answer.toolCalls?.length ? 'tool_calls' : 'stop');
}

/** Chat's `logprobs`: `{ content: [{ token, logprob, bytes, top_logprobs }] }`. */
function chatLogprobs(entries: TestServerAnswer['logprobs']): unknown {
  if (entries === undefined) return null;
  const bytes = (token: string) => [...Buffer.from(token)];
  return {
    content: entries.map(({ token, logprob, top = [] }) => ({
      token,
      logprob,
      bytes: bytes(token),
      top_logprobs: top.map((alternative) => ({ ...alternative, bytes: bytes(alternative.token) })),
    })),
  };
}

/** Serialized `chat.completion` envelope with one choice per answer. */
export function chatCompletionBody(index: number, model: string, promptTokens: number, answers: readonly Answer[]): string {
  const choices = answers.map((answer, choice) => {
    if (typeof answer === 'string') return { index: choice, message: { role: 'assistant', content: answer }, logprobs: null, finish_reason: 'stop' };
    const toolCalls = answer.toolCalls?.map((call, position) => ({ id: call.id ?? `call_${position}`, type: 'function', function: { name: call.name, arguments: argumentsOf(call) } }));
    const content = answer.content === undefined ? (toolCalls ? null : '') : answer.content;
    return {
      index: choice,
      message: { role: 'assistant', content, ...(toolCalls ? { tool_calls: toolCalls } : {}) },
      logprobs: chatLogprobs(answer.logprobs),
      finish_reason: finishReasonOf(answer),
    };
  });
  return envelopeBody(`chatcmpl-test-${index}`, 'chat.completion', model, choices, promptTokens, answers);
}

/** A legacy completion's `logprobs`: parallel `tokens`, `token_logprobs`, `top_logprobs` (token to logprob) and `text_offset`. */
function completionLogprobs(entries: TestServerAnswer['logprobs']): unknown {
  if (entries === undefined) return null;
  let offset = 0;
  const textOffset = entries.map(({ token }) => (offset += token.length) - token.length);
  return {
    tokens: entries.map(({ token }) => token),
    token_logprobs: entries.map(({ logprob }) => logprob),
    top_logprobs: entries.map(({ top = [] }) => Object.fromEntries(top.map(({ token, logprob }) => [token, logprob]))),
    text_offset: textOffset,
  };
}

/** Serialized legacy `text_completion` envelope with one choice per answer (tool calls are chat's only, and left out). */
export function completionBody(index: number, model: string, promptTokens: number, answers: readonly Answer[]): string {
  const choices = answers.map((answer, choice) =>
    typeof answer === 'string'
      ? { index: choice, text: answer, logprobs: null, finish_reason: 'stop' }
      : { index: choice, text: answer.content ?? '', logprobs: completionLogprobs(answer.logprobs), finish_reason: finishReasonOf(answer) },
  );
  return envelopeBody(`cmpl-test-${index}`, 'text_completion', model, choices, promptTokens, answers);
}

/** Serialized model list; it never changes, so it is built once. */
export const modelListBody = JSON.stringify({
  object: 'list',
  data: [{ id: testModelName, object: 'model', created: 0, owned_by: 'rxdgt' }],
});

/** A 200 body that claims to be JSON but is cut off mid-object. */
export const invalidJsonBody = '{"id": "chatcmpl-broken", "object": "chat.completion", "choices": [{"index": 0, "message": ';

/** The OpenAI error `type` and `code` for an HTTP status. */
function errorKindOf(status: number): { readonly type: string; readonly code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 404) return { type: 'invalid_request_error', code: 'not_found' };
  if (status === 429) return { type: 'rate_limit_error', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

/** Serialized OpenAI-shaped error: `{ error: { message, type, param, code } }`. */
export function errorBody(status: number, message: string): string {
  return JSON.stringify({ error: { message, ...errorKindOf(status), param: null } });
}
