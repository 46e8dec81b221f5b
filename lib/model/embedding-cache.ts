import { createHash } from 'node:crypto';
import stableStringify from 'fast-json-stable-stringify';
import type { EmbeddingModel } from './embedding-model.ts';
import { float32FromBase64, float32ToBase64 } from './embedding-vector.ts';
import type { CacheCodec } from './tiered-cache.ts';

/** The `finishReason` that marks an embedding among the answers of a shared `lm_cache` file. */
const embeddingMark = 'embedding';

/**
 * The cache key of one text's embedding: a SHA-256 hex of the stable JSON of
 * `['embedding', provider, endpoint, modelId, dimensions, text]`. It never equals an LM request's key
 * ({@link cacheKey}), so one `lm_cache` file holds both.
 */
export function embeddingCacheKey(model: Pick<EmbeddingModel, 'provider' | 'endpoint' | 'modelId' | 'dimensions'>, text: string): string {
  return createHash('sha256')
    .update(stableStringify(['embedding', model.provider, model.endpoint, model.modelId, model.dimensions ?? null, text]))
    .digest('hex');
}

/**
 * How an embedding sits in a `ResponseCache` (which stores model answers): its float32 bytes in base64 as the one
 * text, marked by `finishReason: 'embedding'`; about 5.3 bytes a dimension.
 */
export const embeddingCodec: CacheCodec<Float32Array> = {
  encode: (vector) => ({ texts: [float32ToBase64(vector)], finishReason: embeddingMark, usage: { promptTokens: 0, completionTokens: 0 } }),
  decode: (stored) => {
    const [text] = stored.texts;
    return stored.finishReason === embeddingMark && typeof text === 'string' ? float32FromBase64(text) : undefined;
  },
};
