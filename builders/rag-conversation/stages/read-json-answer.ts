import { extractJson } from '../../../lib/text/extract-json.ts';

/** What a model's answer to a JSON-schema request turned out to be. */
export type JsonAnswer =
  /** A JSON object (perhaps fenced or wrapped in prose). */
  | { readonly kind: 'object'; readonly value: Readonly<Record<string, unknown>> }
  /** Some other JSON value (a list, a number, a string). */
  | { readonly kind: 'other'; readonly value: unknown }
  /** No JSON at all: plain text (a provider that ignored the response format). */
  | { readonly kind: 'text'; readonly text: string };

/**
 * Reads the answer to a structured-output request: a JSON object, some other JSON value, or plain text.
 *
 * ## Example
 * ```ts
 * readJsonAnswer('{"utterance": "Hi"}'); // { kind: 'object', value: { utterance: 'Hi' } }
 * readJsonAnswer('Just a sentence.'); // { kind: 'text', text: 'Just a sentence.' }
 * ```
 */
export function readJsonAnswer(answer: string): JsonAnswer {
  const extracted = extractJson(answer);
  if (!extracted.success) return { kind: 'text', text: answer.trim() };
  const { data } = extracted;
  return typeof data === 'object' && data !== null && !Array.isArray(data) ? { kind: 'object', value: data as Readonly<Record<string, unknown>> } : { kind: 'other', value: data };
}
