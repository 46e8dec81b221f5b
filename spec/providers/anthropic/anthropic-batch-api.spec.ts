import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchRejectedError } from '../../../lib/errors/batch-rejected-error.ts';
import { createBatchModel } from '../../../lib/model/batch-model.ts';
import { createEngine } from '../../../lib/model/engine.ts';
import { anthropicBatchBlock } from '../../../lib/providers/anthropic/anthropic-batch-api.ts';
import { createAnthropic } from '../../../lib/providers/anthropic/anthropic-model.ts';
import { type TestServer, type TestServerOptions, startTestServer } from '../../../lib/testing/test-server.ts';

const apiKey = 'sk-ant-test-secret';
let server: TestServer | undefined;
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  await server?.close();
});

async function batchEngine(options: TestServerOptions) {
  server = await startTestServer(options);
  const direct = createAnthropic({ modelId: 'claude-test', baseURL: server.url, apiKey, defaultMaxTokens: 256 });
  const common = { type: 'anthropic', modelId: 'claude-test', timeoutMs: 10_000, params: { maxTokens: 256 }, baseURL: server.url, apiKey };
  const model = createBatchModel(direct, anthropicBatchBlock.create({}, common, direct), { windowMs: 20, pollIntervalMs: 10 });
  close = model.close;
  return { model, engine: createEngine(model, { callLimit: 10, maxRetries: 0 }) };
}

describe('Anthropic Message Batches against the test server', () => {
  it('submits {requests: [{custom_id, params}]} with the direct body as params, and reads results_url', async () => {
    const { engine } = await batchEngine({ respond: (request) => `answer to ${request.body.messages[0].content}` });
    const results = await Promise.all(
      ['a', 'b'].map((content) => firstValueFrom(engine.call({ method: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content }] }))),
    );
    expect(results.map((result) => result.texts[0])).toEqual(['answer to a', 'answer to b']);
    expect(results[0]!.usage).toEqual({ promptTokens: 3, completionTokens: 3 });
    const created = server!.requests.find((request) => request.path === '/v1/messages/batches')!;
    expect([created.headers['x-api-key'], created.headers.authorization]).toContainEqual(expect.stringContaining(apiKey));
    expect(created.body.requests[0]).toEqual({
      custom_id: expect.stringMatching(/^call_[0-9a-f]{16}_0$/),
      params: { model: 'claude-test', max_tokens: 256, messages: [{ role: 'user', content: 'a' }], system: 'Be brief.' },
    });
    expect(server!.requests.some((request) => request.path.endsWith('/results'))).toBe(true);
  });

  it('reads a response format\'s forced tool back as the answer text, as a direct call does', async () => {
    const { engine } = await batchEngine({ respond: () => '{"answer":"Paris"}' });
    const schema = { type: 'object', properties: { answer: { type: 'string' } } };
    const result = await firstValueFrom(engine.call({ method: 'chat', messages: [{ role: 'user', content: 'Capital?' }], responseFormat: { name: 'capital', schema } }));
    expect(JSON.parse(result.texts[0]!)).toEqual({ answer: 'Paris' });
  });

  it('a batch read by another process (a restart) still reads the forced tool back by the request\'s own name', async () => {
    server = await startTestServer({ respond: () => '{"answer":"Paris"}', batches: { completeAfterMs: 0 } });
    const direct = createAnthropic({ modelId: 'claude-test', baseURL: server.url, apiKey, defaultMaxTokens: 256 });
    const common = { type: 'anthropic', modelId: 'claude-test', timeoutMs: 10_000, params: { maxTokens: 256 }, baseURL: server.url, apiKey };
    const request = { method: 'chat' as const, messages: [{ role: 'user' as const, content: 'Capital?' }], responseFormat: { name: 'capital', schema: { type: 'object' } } };
    const before = anthropicBatchBlock.create({}, common, direct);
    const id = await before.submit([before.lineOf('0-ab_1234_0', request)], 'chat', new AbortController().signal);
    // Another instance, as after a restart: it never built this line.
    const after = anthropicBatchBlock.create({}, common, direct);
    while ((await after.status(id, new AbortController().signal)).kind === 'pending') await new Promise((resolve) => setTimeout(resolve, 10));
    const item = (await after.results(id, new AbortController().signal)).get('0-ab_1234_0');
    expect(item?.kind).toBe('answered');
    if (item?.kind === 'answered') expect(JSON.parse(item.resultFor(request).texts[0]!)).toEqual({ answer: 'Paris' });
  });

  it('resubmits an expired request, and a refused batch is a BatchRejectedError with the provider\'s message', async () => {
    const { engine } = await batchEngine({ batches: { itemFault: (_id, attempt) => (attempt === 1 ? 'expired' : undefined) } });
    const result = await firstValueFrom(engine.call({ method: 'completion', prompt: 'Say hi' }));
    expect(result.texts[0]).toMatch(/^Question:/);
    expect(server!.requests.filter((request) => request.path === '/v1/messages/batches')).toHaveLength(2);
    await close?.();
    await server!.close();

    const refused = await batchEngine({ batches: { rejectFile: () => 'requests.0.params.model: unknown model' } });
    const error = await refused.model.doGenerate({ method: 'completion', prompt: 'x' }, { signal: new AbortController().signal }).catch((caught: unknown) => caught);
    expect(BatchRejectedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('requests.0.params.model: unknown model');
    expect((error as Error).message).not.toContain(apiKey);
  });
});
