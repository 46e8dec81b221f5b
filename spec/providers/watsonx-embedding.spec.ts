import { describe, expect, test } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { createWatsonxEmbedding } from '../../lib/providers/watsonx/watsonx-embedding-model.ts';
import { hashedEmbedding } from '../../lib/testing/test-server-embeddings.ts';
import { failureOf, useServers, useUnsetEnvironment } from '../helpers/provider-spec.ts';
import { type WatsonxEmbeddingsServer, startWatsonxEmbeddingsServer } from '../helpers/servers/watsonx-embeddings-server.ts';

useUnsetEnvironment(['WATSONX_API_KEY', 'WATSONX_API_TOKEN', 'WATSONX_PROJECT_ID', 'WATSONX_API_URL', 'WATSONX_IAM_URL']);
const start = useServers(startWatsonxEmbeddingsServer);
const signal = () => new AbortController().signal;

const modelFor = (server: WatsonxEmbeddingsServer, settings: { truncateInputTokens?: number; apiKey?: string } = {}) =>
  createWatsonxEmbedding({ modelId: 'ibm/slate', apiKey: 'test-watsonx-key', projectId: 'test-project', apiUrl: server.url, iamUrl: server.url, ...settings });

describe('createWatsonxEmbedding', () => {
  test('exchanges the key once, then posts inputs, model and project to /ml/v1/text/embeddings with the version', async () => {
    const server = await start();
    const model = modelFor(server, { truncateInputTokens: 512 });
    const first = await model.doEmbed(['alpha beta', 'gamma'], { signal: signal() });
    await model.doEmbed(['delta'], { signal: signal() });
    expect(server.exchanges).toBe(1);
    const [request] = server.apiRequests;
    expect(request?.query.get('version')).toBe('2024-05-01');
    expect(request?.headers.authorization).toBe('Bearer embed-token-1');
    expect(request?.body).toEqual({ inputs: ['alpha beta', 'gamma'], model_id: 'ibm/slate', project_id: 'test-project', parameters: { truncate_input_tokens: 512 } });
    expect(first.vectors).toEqual([Array.from(hashedEmbedding('alpha beta', 16)), Array.from(hashedEmbedding('gamma', 16))]);
    expect(first.usage).toEqual({ promptTokens: 3 });
    expect(model).toMatchObject({ provider: 'watsonx', endpoint: server.url, maxBatchSize: 1000 });
  });

  test('a 401 refreshes the token once and the call goes on', async () => {
    const server = await start();
    const model = modelFor(server);
    await model.doEmbed(['a'], { signal: signal() });
    server.revokeTokens();
    await model.doEmbed(['b'], { signal: signal() });
    expect(server.exchanges).toBe(2);
  });

  test("a throttle is an ApiCallError with watsonx's words and Retry-After", async () => {
    const server = await start({ fault: () => ({ status: 429, retryAfterSeconds: 2 }) });
    const error = await failureOf(modelFor(server).doEmbed(['a'], { signal: signal() }));
    expect(ApiCallError.isInstance(error) && [error.statusCode, error.retryAfterMs]).toEqual([429, 2000]);
    expect((error as Error).message).toContain('token_quota_reached');
    expect((error as Error).message).not.toContain('test-watsonx-key');
  });

  test('no key or no project is a ConfigError before any request', () => {
    expect(() => createWatsonxEmbedding({ modelId: 'm', projectId: 'p' })).toThrow(ConfigError);
    expect(() => createWatsonxEmbedding({ modelId: 'm', apiKey: 'k' })).toThrow(/project id/);
  });
});
