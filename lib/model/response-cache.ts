import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import type { LanguageModel, ModelRequest, ModelResult } from './language-model.ts';

/** Where an engine keeps answers, keyed by a stable hash of the rendered request ({@link cacheKey}). */
export interface ResponseCache {
  /** The stored answer, or `undefined` on a miss. */
  get(key: string): ModelResult | undefined;
  /** Stores an answer, replacing any answer under the same key. */
  set(key: string, value: ModelResult): void;
  /** Releases the cache's resources; calling it again does nothing. */
  close(): void;
}

/**
 * The cache key of one request: a SHA-256 hex of the stable JSON of `[provider, endpoint, modelId, request]`.
 * The request carries the method, the input (messages or prompt), every generation parameter and the
 * response format, so any of them changing gives another key; object key order does not. Parsing and
 * post-processing happen after the call and stay out of the key.
 */
export function cacheKey(model: Pick<LanguageModel, 'provider' | 'endpoint' | 'modelId'>, request: ModelRequest): string {
  return createHash('sha256')
    .update(stableStringify([model.provider, model.endpoint, model.modelId, request]))
    .digest('hex');
}
