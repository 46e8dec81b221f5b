import { describe, expect, test, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { createOpenAIEmbedding } from '../../lib/providers/openai/openai-embedding-model.ts';
import { hashedEmbedding, testEmbeddingDimensions } from '../../lib/testing/test-server-embeddings.ts';
import { failureOf, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

useUnsetEnvironment(['OPENAI_API_KEY', 'OPENAI_BASE_URL']);
const start = useTestServers();
const signal = () => new AbortController().signal;
const cosine = (left: ArrayLike<number>, right: ArrayLike<number>) => Array.from(left).reduce((sum, value, index) => sum + value * right[index]!, 0);

describe('createOpenAIEmbedding', () => {
  test('posts the texts to /v1/embeddings as base64 float32, with the dimensions, and reads the vectors back', async () => {
    const server = await start({ apiKey: 'sk-test' });
    const model = createOpenAIEmbedding({ baseURL: server.baseURL, modelId: 'e5', apiKey: 'sk-test', dimensions: 64 });
    const result = await model.doEmbed(['What is the capital of France?', 'what is the capital of france'], { signal: signal() });
    expect(server.requests[0]?.path).toBe('/v1/embeddings');
    expect(server.requests[0]?.body).toEqual({ model: 'e5', input: ['What is the capital of France?', 'what is the capital of france'], encoding_format: 'base64', dimensions: 64 });
    expect(result.vectors[0]).toEqual(hashedEmbedding('What is the capital of France?', 64));
    expect(result.usage).toEqual({ promptTokens: 12 });
    expect(model).toMatchObject({ provider: 'openai', modelId: 'e5', endpoint: server.baseURL, maxBatchSize: 2048, dimensions: 64 });
    expect(model.credential).toMatch(/^[0-9a-f]{16}$/);
  });

  test('asks for JSON numbers with encodingFormat float, and orders vectors by their index', async () => {
    const server = await start();
    const model = createOpenAIEmbedding({ baseURL: server.baseURL, modelId: 'e5', encodingFormat: 'float', provider: 'vllm-remote' });
    const { vectors } = await model.doEmbed(['a b c', 'x y'], { signal: signal() });
    expect(server.requests[0]?.body.encoding_format).toBe('float');
    expect(vectors.map((vector) => vector.length)).toEqual([testEmbeddingDimensions, testEmbeddingDimensions]);
    expect(cosine(vectors[0]!, hashedEmbedding('a b c'))).toBeCloseTo(1, 5);
  });

  test("the test server's vectors make near-identical texts close and unrelated ones far", () => {
    const base = hashedEmbedding('Which river flows through the city of Budapest in Hungary?');
    expect(cosine(base, hashedEmbedding('which river flows through the city of budapest in hungary'))).toBeCloseTo(1, 5);
    expect(cosine(base, hashedEmbedding('Which river flows through the city of Budapest in Europe?'))).toBeGreaterThan(0.85);
    expect(cosine(base, hashedEmbedding('How do bees make honey from flower nectar?'))).toBeLessThan(0.3);
    expect(hashedEmbedding('', 4)).toEqual(new Float32Array([1, 0, 0, 0]));
  });

  test('a refused request is an ApiCallError with the status, never showing the key', async () => {
    const server = await start({ apiKey: 'sk-right' });
    const model = createOpenAIEmbedding({ baseURL: server.baseURL, modelId: 'e5', apiKey: 'sk-wrong-secret' });
    const error = await failureOf(model.doEmbed(['x'], { signal: signal() }));
    expect(ApiCallError.isInstance(error) && error.statusCode).toBe(401);
    expect(String((error as Error).message)).not.toContain('sk-wrong-secret');
    expect((error as Error).message).toContain(`${server.baseURL}/embeddings`);
  });

  test('an abort cancels the request', async () => {
    const server = await start({ latencyMs: 5_000 });
    const model = createOpenAIEmbedding({ baseURL: server.baseURL, modelId: 'e5' });
    const controller = new AbortController();
    const call = model.doEmbed(['slow'], { signal: controller.signal });
    await waitFor(() => server.counters.inFlight === 1);
    controller.abort();
    await expect(call).rejects.toThrow();
    await waitFor(() => server.counters.clientAborts === 1);
  });

  test('OpenAI itself without a key, or a bad setting, is a ConfigError before any request', () => {
    expect(() => createOpenAIEmbedding({ modelId: 'text-embedding-3-small' })).toThrow(ConfigError);
    expect(() => createOpenAIEmbedding({ modelId: 'e5', baseURL: 'http://127.0.0.1:1/v1', dimensions: 0 })).toThrow(/`dimensions`/);
    vi.stubEnv('OPENAI_API_KEY', 'from-env');
    expect(createOpenAIEmbedding({ modelId: 'text-embedding-3-small' }).endpoint).toBe('https://api.openai.com/v1');
  });
});
