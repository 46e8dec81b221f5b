import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchModel } from '../../../lib/model/batch-model.ts';
import { createEngine } from '../../../lib/model/engine.ts';
import { azureOpenAIBatchBlock } from '../../../lib/providers/azure-openai/azure-openai-batch-block.ts';
import { createAzureOpenAI } from '../../../lib/providers/azure-openai/azure-openai-model.ts';
import { type TestServer, startTestServer } from '../../../lib/testing/test-server.ts';

const apiKey = 'azure-secret-key-0123456789abcdef';
let server: TestServer | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await server?.close();
});

describe('Azure OpenAI batch jobs against the test server', () => {
  it('uploads to /openai/files and submits to /openai/batches with the api-version and api-key, the deployment as each line\'s model', async () => {
    server = await startTestServer({ apiKey, respond: (request) => `answer to ${request.body.messages.at(-1).content}` });
    const direct = createAzureOpenAI({ endpoint: server.url, deployment: 'my-deployment', apiKey });
    const common = { type: 'azure-openai', modelId: 'my-deployment', timeoutMs: 10_000, params: {}, baseURL: server.url, apiKey };
    const model = createBatchModel(direct, azureOpenAIBatchBlock.create({ api_version: '2024-10-21' }, common, direct), { windowMs: 20, pollIntervalMs: 10 });
    close = model.close;
    const engine = createEngine(model, { callLimit: 10 });
    const results = await Promise.all(['a', 'b', 'c'].map((content) => firstValueFrom(engine.call({ method: 'chat', messages: [{ role: 'user', content }] }))));
    expect(results.map((result) => result.texts[0])).toEqual(['answer to a', 'answer to b', 'answer to c']);
    const upload = server.requests.find((request) => request.path === '/openai/files')!;
    expect(upload.headers['api-key']).toBe(apiKey);
    const line = JSON.parse(String(upload.body).split('\r\n').find((text) => text.startsWith('{"custom_id"'))!.split('\n')[0]!);
    expect(line).toMatchObject({ method: 'POST', url: '/chat/completions', body: { model: 'my-deployment', messages: [{ role: 'user', content: 'a' }], stream: false } });
    const created = server.requests.find((request) => request.path === '/openai/batches')!;
    expect(created.body).toMatchObject({ endpoint: '/chat/completions', completion_window: '24h' });
    expect(server.requests.some((request) => request.path.includes('/deployments/'))).toBe(false);
  });

  it('finds the batch made from an upload through /openai/batches (the list, with the api-version), as a restarted run does', async () => {
    server = await startTestServer({ apiKey });
    const direct = createAzureOpenAI({ endpoint: server.url, deployment: 'my-deployment', apiKey });
    const common = { type: 'azure-openai', modelId: 'my-deployment', timeoutMs: 10_000, params: {}, baseURL: server.url, apiKey };
    const api = azureOpenAIBatchBlock.create({ api_version: '2024-10-21' }, common, direct);
    const signal = new AbortController().signal;
    let upload: string | undefined;
    const id = await api.submit([api.lineOf('0-a_0000000000000000_0', { method: 'chat', messages: [{ role: 'user', content: 'a' }] })], 'chat', signal, (staged) => (upload = staged));
    expect(await api.find!(upload!, Date.now(), signal)).toBe(id);
    const listed = server.requests.filter((request) => request.path === '/openai/batches' && request.body === undefined);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.headers['api-key']).toBe(apiKey);
  });
});
