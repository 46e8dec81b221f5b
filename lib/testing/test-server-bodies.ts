/**
 * Response bodies of the local OpenAI-compatible test server: completion envelopes, the model list,
 * OpenAI-shaped errors and the rough word-based token count. Internal to `test-server.ts`.
 */

import { countWords } from '../text/count-words.ts';

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

/** Token usage of an answer, counted in words. */
function usageOf(promptTokens: number, texts: readonly string[]) {
  let completionTokens = 0;
  for (const text of texts) completionTokens += countWords(text);
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** Serialized completion envelope of type `object`, with word-counted usage of `texts`. */
function envelopeBody(id: string, object: string, model: string, choices: readonly unknown[], promptTokens: number, texts: readonly string[]): string {
  return JSON.stringify({ id, object, created: Math.floor(Date.now() / 1000), model, choices, usage: usageOf(promptTokens, texts) });
}

/** Serialized `chat.completion` envelope with one choice per text. */
export function chatCompletionBody(index: number, model: string, promptTokens: number, texts: readonly string[]): string {
  const choices = texts.map((content, choice) => ({
    index: choice,
    message: { role: 'assistant', content },
    logprobs: null,
    finish_reason: 'stop',
  }));
  return envelopeBody(`chatcmpl-test-${index}`, 'chat.completion', model, choices, promptTokens, texts);
}

/** Serialized legacy `text_completion` envelope with one choice per text. */
export function completionBody(index: number, model: string, promptTokens: number, texts: readonly string[]): string {
  const choices = texts.map((text, choice) => ({ index: choice, text, logprobs: null, finish_reason: 'stop' }));
  return envelopeBody(`cmpl-test-${index}`, 'text_completion', model, choices, promptTokens, texts);
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
