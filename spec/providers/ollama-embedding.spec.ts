import { describe, expect, test } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { createOllamaEmbedding } from '../../lib/providers/ollama-native/ollama-embedding-model.ts';
import { hashedEmbedding } from '../../lib/testing/test-server-embeddings.ts';
import { failureOf, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { startOllamaEmbedServer } from '../helpers/servers/ollama-embed-server.ts';
import { waitFor } from '../helpers/wait-for.ts';

useUnsetEnvironment(['OLLAMA_HOST']);
const start = useServers(startOllamaEmbedServer);
const signal = () => new AbortController().signal;

describe('createOllamaEmbedding', () => {
  test('posts every text of a batch to /api/embed at once, with dimensions and options, and reads embeddings', async () => {
    const server = await start();
    const model = createOllamaEmbedding({ modelId: 'embed-model', baseURL: server.url, dimensions: 8, options: { num_ctx: 2048 } });
    const result = await model.doEmbed(['one two', 'three'], { signal: signal() });
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /api/embed']);
    expect(server.requests[0]?.body).toEqual({ model: 'embed-model', input: ['one two', 'three'], dimensions: 8, options: { num_ctx: 2048 } });
    expect(result.vectors).toEqual([Array.from(hashedEmbedding('one two', 8)), Array.from(hashedEmbedding('three', 8))]);
    expect(result.usage).toEqual({ promptTokens: 3 });
    expect(model).toMatchObject({ provider: 'ollama', modelId: 'embed-model', endpoint: server.url, dimensions: 8 });
  });

  test("a model that is not pulled is an ApiCallError with Ollama's message", async () => {
    const server = await start();
    const error = await failureOf(createOllamaEmbedding({ modelId: 'missing', baseURL: server.url }).doEmbed(['x'], { signal: signal() }));
    expect(ApiCallError.isInstance(error) && error.statusCode).toBe(404);
    expect((error as Error).message).toBe(`${server.url}/api/embed answered 404: model "missing" not found, try pulling it first`);
  });

  test('an abort cancels the request; the probe asks /api/version', async () => {
    const server = await start({ latencyMs: 5_000 });
    const model = createOllamaEmbedding({ modelId: 'embed-model', baseURL: server.url });
    await model.probe?.({ signal: signal() });
    const controller = new AbortController();
    const call = model.doEmbed(['slow'], { signal: controller.signal });
    await waitFor(() => server.requests.length === 2);
    controller.abort();
    await expect(call).rejects.toThrow();
    await waitFor(() => server.clientAborts === 1);
    expect(server.requests[0]?.path).toBe('/api/version');
  });

  test('bad settings are a ConfigError', () => {
    expect(() => createOllamaEmbedding({ modelId: '' })).toThrow(ConfigError);
  });
});
