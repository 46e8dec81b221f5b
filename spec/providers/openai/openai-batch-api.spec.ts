import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchRejectedError } from '../../../lib/errors/batch-rejected-error.ts';
import { createBatchModel } from '../../../lib/model/batch-model.ts';
import { createEngine } from '../../../lib/model/engine.ts';
import type { LanguageModel, ModelRequest } from '../../../lib/model/language-model.ts';
import type OpenAI from 'openai';
import { openAIBatchApi } from '../../../lib/providers/openai/openai-batch-api.ts';
import { openAIBatchBlock } from '../../../lib/providers/openai/openai-batch-block.ts';
import { createOpenAI } from '../../../lib/providers/openai/openai-model.ts';
import { type TestServer, type TestServerOptions, startTestServer } from '../../../lib/testing/test-server.ts';

const servers: TestServer[] = [];
const models: { close?(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(models.splice(0).map((model) => model.close?.()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(options: TestServerOptions = {}): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

/** A batch model of type `openai` at the server, with short waits. */
function batchModel(server: TestServer, config: { maxRequests?: number; maxTries?: number } = {}): LanguageModel {
  const common = { type: 'openai', modelId: 'test-model', timeoutMs: 10_000, params: {}, baseURL: server.baseURL, apiKey: 'sk-test-secret' };
  const direct = createOpenAI({ modelId: 'test-model', baseURL: server.baseURL, apiKey: 'sk-test-secret' });
  const model = createBatchModel(direct, openAIBatchBlock.create({}, common), { windowMs: 20, pollIntervalMs: 10, pollMaxIntervalMs: 40, ...config });
  models.push(model);
  return model;
}

const chat = (content: string): ModelRequest => ({ method: 'chat', messages: [{ role: 'user', content }], temperature: 0.5, maxTokens: 32 });

/** The uploaded JSONL lines of every batch file the server received. */
function uploadedLines(server: TestServer): Record<string, any>[] {
  return server.requests
    .filter((request) => request.path === '/v1/files')
    .flatMap((request) => String(request.body).split('\r\n').filter((line) => line.startsWith('{"custom_id"')))
    .flatMap((text) => text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as Record<string, any>));
}

describe('OpenAI batch jobs against the test server', () => {
  it('gathers concurrent calls into one uploaded batch whose lines are the direct bodies, and answers each call', async () => {
    const server = await start({ respond: (request) => `answer to ${request.body.messages[0].content}` });
    const engine = createEngine(batchModel(server), { callLimit: 50 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, index) => firstValueFrom(engine.call(chat(`q${index}`)))));
    expect(results.map((result) => result.texts[0])).toEqual(Array.from({ length: 20 }, (_, index) => `answer to q${index}`));
    expect(server.counters.byPath['/v1/batches']).toBe(1);
    expect(server.counters.byPath['/v1/chat/completions']).toBeUndefined();
    const lines = uploadedLines(server);
    expect(lines).toHaveLength(20);
    expect(lines[0]).toEqual({
      custom_id: expect.stringMatching(/^call_[0-9a-f]{16}_0$/),
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'test-model', messages: [{ role: 'user', content: 'q0' }], temperature: 0.5, max_tokens: 32, stream: false },
    });
    expect(results[0]!.usage.promptTokens).toBeGreaterThan(0);
  });

  it('names the model in its target: after a restart, a block of another model on the same endpoint adopts none of its batches', () => {
    const common = { type: 'openai', timeoutMs: 10_000, params: {}, baseURL: 'http://127.0.0.1:1/v1', apiKey: 'k' };
    const [mini, large] = ['gpt-4o-mini', 'gpt-4o'].map((modelId) => openAIBatchBlock.create({}, { ...common, modelId }).target);
    expect(mini).toBe('openai http://127.0.0.1:1/v1 gpt-4o-mini');
    expect(large).not.toBe(mini);
  });

  it('splits a gathering larger than `maxRequests` across batches', async () => {
    const server = await start();
    const engine = createEngine(batchModel(server, { maxRequests: 4 }), { callLimit: 50 });
    await Promise.all(Array.from({ length: 10 }, (_, index) => firstValueFrom(engine.call(chat(`q${index}`)))));
    const created = server.requests.filter((request) => request.path === '/v1/batches');
    expect(created).toHaveLength(3);
    expect(uploadedLines(server)).toHaveLength(10);
  });

  it('resubmits expired and failed items in a later batch, and fails a call for good after `maxTries` batches', async () => {
    const server = await start({
      batches: { itemFault: (customId, attempt) => (customId.includes('_0') && attempt === 1 ? 'expired' : undefined) },
    });
    const engine = createEngine(batchModel(server), { callLimit: 50 });
    const answers = await Promise.all([firstValueFrom(engine.call(chat('a'))), firstValueFrom(engine.call(chat('b')))]);
    expect(answers.every((answer) => answer.texts[0]!.startsWith('Question:'))).toBe(true);
    expect(server.requests.filter((request) => request.path === '/v1/batches')).toHaveLength(2);

    const failing = await start({ batches: { itemFault: () => 'failed' } });
    const stubborn = createEngine(batchModel(failing, { maxTries: 2 }), { callLimit: 5, maxRetries: 0 });
    await expect(firstValueFrom(stubborn.call(chat('c')))).rejects.toThrow(/failed in 2 batches: .*Test server fault: item failed/);
    expect(failing.requests.filter((request) => request.path === '/v1/batches')).toHaveLength(2);
  });

  it('fails with a BatchRejectedError naming the batch and the provider\'s message when the input file is rejected', async () => {
    const server = await start({ batches: { rejectFile: () => 'Line 1: the model `nope` does not exist.' } });
    const model = batchModel(server);
    const error = await model.doGenerate(chat('x'), { signal: new AbortController().signal }).catch((caught: unknown) => caught);
    expect(BatchRejectedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/^openai http:\/\/127\.0\.0\.1:\d+\/v1 test-model: batch batch_\d+ was rejected by the provider: invalid_request: Line 1: the model `nope` does not exist\.$/);
    expect((error as Error).message).not.toContain('sk-test-secret');
  });

  it('keeps polling while the batch is in progress, then answers', async () => {
    const server = await start({ batches: { completeAfterMs: 150 } });
    const result = await batchModel(server).doGenerate(chat('slow'), { signal: new AbortController().signal });
    expect(result.texts).toHaveLength(1);
    expect(server.requests.filter((request) => request.path.startsWith('/v1/batches/')).length).toBeGreaterThan(1);
  });

  it('`find` names the batch made from an upload, paging through the newest batches, and none for an upload never made into one', async () => {
    const server = await start();
    const api = openAIBatchBlock.create({}, { type: 'openai', modelId: 'test-model', timeoutMs: 10_000, params: {}, baseURL: server.baseURL, apiKey: 'sk-test-secret' });
    const signal = new AbortController().signal;
    const line = api.lineOf('0-a_0000000000000000_0', chat('q'));
    // The first batch's upload, then 120 more: the list's first page (100) does not reach it.
    let firstUpload: string | undefined;
    const first = await api.submit([line], 'chat', signal, (upload) => (firstUpload = upload));
    for (let index = 0; index < 120; index++) await api.submit([line], 'chat', signal);
    expect(await api.find!(firstUpload!, Date.now() - 10_000, signal)).toBe(first);
    expect(server.requests.filter((request) => request.path === '/v1/batches' && request.body === undefined).length).toBe(2);
    // An upload with no batch: the list is read to its end (or to batches older than 15 minutes before `since`) and nothing is named.
    const lonely = (await (await fetch(`${server.baseURL}/files`, { method: 'POST', body: (() => { const form = new FormData(); form.append('purpose', 'batch'); form.append('file', new Blob([`${line.text}\n`]), 'b.jsonl'); return form; })(), headers: { authorization: 'Bearer sk-test-secret' } })).json()) as { id: string };
    expect(await api.find!(lonely.id, Date.now(), signal)).toBeUndefined();
    expect(await api.find!(lonely.id, Date.now() + 3_600_000, signal)).toBeUndefined();
    // Two pages for the whole list, one for a look that meets an older batch at once.
    expect(server.requests.filter((request) => request.path === '/v1/batches' && request.body === undefined).length).toBe(2 + 2 + 1);
  });

  it('reads an ended batch\'s results from the poll that found it ended: one request for the batch, not two', async () => {
    const server = await start();
    await batchModel(server).doGenerate(chat('once'), { signal: new AbortController().signal });
    const created = server.requests.find((request) => request.path === '/v1/batches')!;
    expect(created).toBeDefined();
    // One poll (it ends at once), then the output file: no second read of the batch.
    expect(server.requests.filter((request) => /^\/v1\/batches\/batch_\d+$/.test(request.path))).toHaveLength(1);
    expect(server.requests.filter((request) => /^\/v1\/files\/[^/]+\/content$/.test(request.path))).toHaveLength(1);
  });

  it('`find` reads a list that comes oldest first to its end (the early stop needs the newest-first order it has seen)', async () => {
    const listed = (order: 'newest' | 'oldest') => {
      const batches = [
        { id: 'b0', input_file_id: 'file-old', created_at: 1_000 },
        { id: 'b1', input_file_id: 'file-mid', created_at: 2_000 },
        { id: 'b2', input_file_id: 'file-new', created_at: 5_000 },
      ];
      const seen: string[] = [];
      const client = { batches: { list: async () => (async function* () {
        for (const batch of order === 'oldest' ? batches : [...batches].reverse()) {
          seen.push(batch.id);
          yield batch;
        }
      })() } } as unknown as OpenAI;
      return { api: openAIBatchApi({ client: async () => client, model: 'm', engine: 'openai', root: 'http://127.0.0.1:1/v1', pathPrefix: '/v1', timeoutMs: 1000, secrets: [] }), seen };
    };
    const signal = new AbortController().signal;
    // Staged at 4,000 s: batches made before 3,100 s (15 minutes of skew allowed) are too old to be it.
    const oldestFirst = listed('oldest');
    expect(await oldestFirst.api.find!('file-new', 4_000_000, signal)).toBe('b2');
    const newestFirst = listed('newest');
    expect(await newestFirst.api.find!('file-gone', 4_000_000, signal)).toBeUndefined();
    expect(newestFirst.seen).toEqual(['b2', 'b1']);
  });
});
