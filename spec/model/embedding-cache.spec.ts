import { describe, expect, test } from 'vitest';
import { embeddingCacheKey, embeddingCodec } from '../../lib/model/embedding-cache.ts';
import { cacheKey } from '../../lib/model/response-cache.ts';

const model = { provider: 'openai', endpoint: 'http://127.0.0.1/v1', modelId: 'e5' };

describe('embedding cache entries', () => {
  test('the key depends on the model, its dimensions and the text, and never equals an LM request key', () => {
    const key = embeddingCacheKey(model, 'hello');
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(embeddingCacheKey({ ...model }, 'hello')).toBe(key);
    expect(new Set([key, embeddingCacheKey(model, 'hello!'), embeddingCacheKey({ ...model, modelId: 'e6' }, 'hello'), embeddingCacheKey({ ...model, dimensions: 64 }, 'hello')]).size).toBe(4);
    expect(key).not.toBe(cacheKey(model, { method: 'completion', prompt: 'hello' }));
  });

  test('a vector survives the codec exactly; an LM answer under the key is no vector', () => {
    const vector = new Float32Array([0.1, -2.5, 1e-7, 3]);
    const stored = embeddingCodec.encode(vector);
    expect(stored.finishReason).toBe('embedding');
    expect(embeddingCodec.decode(JSON.parse(JSON.stringify(stored)))).toEqual(vector);
    expect(embeddingCodec.decode({ texts: ['AAAA'], finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 0 } })).toBeUndefined();
  });
});
