import { firstValueFrom, forkJoin, take } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

const start = useTestServers();
afterEach(() => clearAdmissions());

const engineFor = (server: TestServer, batchSize: number) =>
  createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }), { batchSize, maxRetries: 0, cacheSize: 0 });
const completion = (prompt: string, temperature = 0.5) => ({ method: 'completion' as const, prompt, temperature });
const echo = (_request: unknown, index: number, choice: number) => `answer ${choice} of request ${index}`;

describe('completion batching (DGT batch_size)', () => {
  test('prompts made together go in one request of at most batch_size, and each caller gets its own answer', async () => {
    const server = await start({ respond: echo });
    const engine = engineFor(server, 4);
    const results = await firstValueFrom(forkJoin(['a', 'b', 'c', 'd', 'e'].map((prompt) => engine.call(completion(prompt)))));
    const bodies = server.requests.filter((request) => request.path === '/v1/completions').map((request) => request.body.prompt);
    expect(bodies).toEqual([['a', 'b', 'c', 'd'], ['e']]);
    expect(results.map((result) => result.texts)).toEqual([
      ['answer 0 of request 0'],
      ['answer 1 of request 0'],
      ['answer 2 of request 0'],
      ['answer 3 of request 0'],
      ['answer 0 of request 1'],
    ]);
    expect(engine.stats.requests).toBe(2);
  });

  test('a request of packed prompts reports to admission once, with the whole request\'s usage', async () => {
    const server = await start({ respond: echo });
    const engine = engineFor(server, 4);
    const results = await firstValueFrom(forkJoin(['a', 'b', 'c', 'd'].map((prompt) => engine.call(completion(prompt)))));
    expect(server.requests.map((request) => request.body.prompt)).toEqual([['a', 'b', 'c', 'd']]);
    // One success for AIMD, and the request's tokens as one request's average (not four quarter-reports).
    const requestTokens = results.reduce((sum, result) => sum + result.usage.promptTokens + result.usage.completionTokens, 0);
    expect(requestTokens).toBeGreaterThan(0);
    expect(engine.admission.state).toMatchObject({ successRun: 1, tokensPerRequest: requestTokens });
  });

  test('prompts with different parameters, and chat requests, are never batched together', async () => {
    const server = await start({ respond: echo });
    const engine = engineFor(server, 8);
    await firstValueFrom(
      forkJoin([
        engine.call(completion('a', 0.5)),
        engine.call(completion('b', 0.9)),
        engine.call(completion('c', 0.5)),
        engine.call({ method: 'chat', messages: [{ role: 'user', content: 'hi' }] }),
      ]),
    );
    const prompts = server.requests.filter((request) => request.path === '/v1/completions').map((request) => request.body.prompt);
    expect(prompts).toEqual([['a', 'c'], ['b']]);
    expect(server.counters.byPath['/v1/chat/completions']).toBe(1);
  });

  test('a caller that leaves before the batch is sent is left out of it; when every caller leaves, the request is aborted', async () => {
    const server = await start({ respond: echo, latencyMs: (index) => (index === 0 ? 0 : 10_000) });
    const engine = engineFor(server, 4);
    const leaving = engine.call(completion('gone')).subscribe();
    const staying = firstValueFrom(engine.call(completion('kept')));
    leaving.unsubscribe();
    await staying;
    expect(server.requests[0]?.body.prompt).toEqual(['kept']);

    const both = [engine.call(completion('x')).subscribe(), engine.call(completion('y')).subscribe()];
    await waitFor(() => server.counters.inFlight === 1);
    both[0]?.unsubscribe();
    expect(server.counters.clientAborts).toBe(0);
    both[1]?.unsubscribe();
    await waitFor(() => server.counters.clientAborts === 1);
    expect(server.requests[1]?.body.prompt).toEqual(['x', 'y']);
  });

  test('n answers per prompt are split back by prompt', async () => {
    const server = await start({ respond: echo });
    const engine = engineFor(server, 2);
    const [first, second] = await firstValueFrom(forkJoin([engine.call({ ...completion('a'), n: 2 }), engine.call({ ...completion('b'), n: 2 }).pipe(take(1))]));
    expect(first?.texts).toEqual(['answer 0 of request 0', 'answer 1 of request 0']);
    expect(second?.texts).toEqual(['answer 2 of request 0', 'answer 3 of request 0']);
  });
});
