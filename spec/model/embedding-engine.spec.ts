import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, merge, toArray } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { RetryError } from '../../lib/errors/retry-error.ts';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import { type EmbeddingEngineConfig, createEmbeddingEngine } from '../../lib/model/embedding-engine.ts';
import type { EmbeddingModel, EmbeddingResult } from '../../lib/model/embedding-model.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { openSqliteCache } from '../../lib/model/sqlite-cache.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { createOpenAIEmbedding } from '../../lib/providers/openai/openai-embedding-model.ts';
import type { TestServer, TestServerOptions } from '../../lib/testing/test-server.ts';
import { hashedEmbedding } from '../../lib/testing/test-server-embeddings.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

const start = useTestServers();
afterEach(() => clearAdmissions());

function engineOver(server: TestServer, config: EmbeddingEngineConfig = {}) {
  return createEmbeddingEngine(createOpenAIEmbedding({ baseURL: server.baseURL, modelId: 'embed', apiKey: 'k' }), { retryDelayMs: 1, ...config });
}

async function serve(options: TestServerOptions = {}) {
  return start(options);
}

/** A model that embeds each text as [its length, 1], recording every batch it is asked. */
function fakeModel(answer?: (texts: readonly string[]) => Promise<EmbeddingResult>): EmbeddingModel & { readonly batches: string[][] } {
  const batches: string[][] = [];
  return {
    specificationVersion: 'v1',
    provider: 'fake',
    modelId: 'fake-embed',
    endpoint: `fake://${Math.random()}`,
    batches,
    doEmbed: (texts) => {
      batches.push([...texts]);
      return answer ? answer(texts) : Promise.resolve({ vectors: texts.map((text) => [text.length, 1]), usage: { promptTokens: texts.length } });
    },
  };
}

describe('EmbeddingEngine over the test server', () => {
  test('embeds texts in order, in requests of batchSize, each distinct text once', async () => {
    const server = await serve();
    const engine = engineOver(server, { batchSize: 2 });
    const texts = ['the cat sat', 'a dog ran', 'the cat sat', 'birds sing', 'fish swim'];
    const result = await firstValueFrom(engine.embed(texts));
    expect(result.vectors.map((vector) => Array.from(vector))).toEqual(texts.map((text) => Array.from(hashedEmbedding(text))));
    expect(server.requests.map((request) => request.body.input)).toEqual([
      ['the cat sat', 'a dog ran'],
      ['birds sing', 'fish swim'],
    ]);
    expect(result.cached).toBe(false);
    expect(result.usage).toMatchObject({ calls: 2, cachedCalls: 0, promptTokens: 10, completionTokens: 0 });
    expect(Object.keys(result.usage.byModel)).toEqual(['embedder: openai/embed']);
    expect(engine.stats).toEqual({ requests: 2, retries: 0, failures: 0, cacheHits: 0, texts: 4, promptTokens: 10 });
  });

  test('a text seen before comes from the memory cache: no request, no tokens, cached', async () => {
    const server = await serve();
    const engine = engineOver(server, { price: { inputPerMillion: 1_000_000, outputPerMillion: 0 } });
    const first = await firstValueFrom(engine.embed(['one text here']));
    expect(first.usage.costUsd).toBe(3);
    const again = await firstValueFrom(engine.embed(['one text here']));
    expect(again.cached).toBe(true);
    expect(again.usage).toMatchObject({ calls: 0, cachedCalls: 1, promptTokens: 0, costUsd: 0 });
    expect(server.counters.requests).toBe(1);
    // Part cached: only the new text is sent.
    await firstValueFrom(engine.embed(['one text here', 'a new one']));
    expect(server.requests.at(-1)?.body.input).toEqual(['a new one']);
  });

  test('the disk cache (lm_cache) answers a new engine, as on a rerun, and keeps float32 exactly', async () => {
    const server = await serve();
    const path = join(tempDir(), 'cache.db');
    const disk = openSqliteCache(path);
    const vectors = (await firstValueFrom(engineOver(server, { diskCache: disk }).embed(['alpha beta', 'gamma']))).vectors;
    disk.close();
    const reopened = openSqliteCache(path);
    const rerun = engineOver(server, { diskCache: reopened, cacheSize: 0 });
    const result = await firstValueFrom(rerun.embed(['gamma', 'alpha beta']));
    reopened.close();
    expect(result.cached).toBe(true);
    expect(result.vectors).toEqual([vectors[1], vectors[0]]);
    expect(server.counters.requests).toBe(1);
  });

  test('retries a 500 and goes on; a request that fails for good errors the call with every attempt', async () => {
    const server = await serve({ fault: (_request, index) => (index === 0 || index >= 2 ? { kind: 'status', status: 500 } : undefined) });
    const engine = engineOver(server, { maxRetries: 1 });
    await expect(firstValueFrom(engine.embed(['retried']))).resolves.toMatchObject({ cached: false });
    const error = await firstValueFrom(engine.embed(['fails'])).catch((caught: unknown) => caught);
    expect(RetryError.isInstance(error)).toBe(true);
    expect(engine.stats).toMatchObject({ requests: 4, retries: 2, failures: 1 });
  });

  test('unsubscribing aborts the request in flight', async () => {
    const server = await serve({ latencyMs: 5_000 });
    const engine = engineOver(server);
    const subscription = engine.embed(['slow']).subscribe();
    await waitFor(() => server.counters.inFlight === 1);
    subscription.unsubscribe();
    await waitFor(() => server.counters.clientAborts === 1);
    expect(server.counters.answered).toBe(0);
  });

  test('shares the admission control of an LM engine with the same credential and endpoint', async () => {
    const server = await serve();
    const embedder = engineOver(server, { callLimit: 3 });
    const generator = createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'chat', apiKey: 'k' }), { callLimit: 7 });
    expect(embedder.admission).toBe(generator.admission);
    expect(embedder.admission.state.maxConcurrency).toBe(7);
    const otherKey = createEmbeddingEngine(createOpenAIEmbedding({ baseURL: server.baseURL, modelId: 'embed', apiKey: 'other' }));
    expect(otherKey.admission).not.toBe(generator.admission);
  });
});

describe('EmbeddingEngine with a fake model', () => {
  test('never has more than callLimit requests in flight, and caps batches at the model maxBatchSize', async () => {
    let running = 0;
    let most = 0;
    const model = {
      ...fakeModel(async (texts) => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
        return { vectors: texts.map(() => [1, 0]), usage: { promptTokens: 0 } };
      }),
      maxBatchSize: 3,
    };
    const engine = createEmbeddingEngine(model, { callLimit: 2, batchSize: 10 });
    expect(engine.batchSize).toBe(3);
    const texts = Array.from({ length: 20 }, (_, index) => `text ${index}`);
    await lastValueFrom(merge(engine.embed(texts.slice(0, 10)), engine.embed(texts.slice(10))).pipe(toArray()));
    expect(most).toBe(2);
    expect(model.batches.map((batch) => batch.length)).toEqual([3, 3, 3, 1, 3, 3, 3, 1]);
  });

  test('an answer with the wrong number of vectors, or uneven vectors, fails without a retry', async () => {
    const short = createEmbeddingEngine(fakeModel(async () => ({ vectors: [[1, 2]], usage: { promptTokens: 0 } })), { maxRetries: 3 });
    const error = await firstValueFrom(short.embed(['a', 'b'])).catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error) && error.message).toMatch(/answered 1 vectors for 2 texts/);
    expect(short.stats.requests).toBe(1);
    const uneven = createEmbeddingEngine(fakeModel(async () => ({ vectors: [[1, 2], [1]], usage: { promptTokens: 0 } })));
    await expect(firstValueFrom(uneven.embed(['a', 'b']))).rejects.toThrow(/a vector of 1 dimensions for text 2 of 2, expected 2/);
  });

  test('is cold: nothing is sent before a subscription; no texts is an empty answer', async () => {
    const model = fakeModel();
    const engine = createEmbeddingEngine(model);
    const call = engine.embed(['x']);
    expect(model.batches).toEqual([]);
    await firstValueFrom(call);
    expect(model.batches).toEqual([['x']]);
    await expect(firstValueFrom(engine.embed([]))).resolves.toMatchObject({ vectors: [], cached: true, usage: { calls: 0, cachedCalls: 0 } });
  });

  test('a bad config is a ConfigError', () => {
    expect(() => createEmbeddingEngine(fakeModel(), { batchSize: 0 })).toThrow(ConfigError);
  });
});
