import { firstValueFrom, lastValueFrom, merge, toArray } from 'rxjs';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { RetryError } from '../../lib/errors/retry-error.ts';
import { type EngineConfig, createEngine } from '../../lib/model/engine.ts';
import type { ModelRequest } from '../../lib/model/language-model.ts';
import { createOllama } from '../../lib/providers/ollama/ollama-model.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { createSimulated } from '../../lib/providers/simulated/simulated-model.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import type { TestServer, TestServerFault } from '../../lib/testing/test-server.ts';
import { recordingScheduler } from '../helpers/recording-scheduler.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

const start = useTestServers();

afterEach(() => {
  vi.unstubAllEnvs();
});

function engineFor(server: TestServer, config: EngineConfig = {}) {
  return createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }), { retryDelayMs: 1, ...config });
}

const chat = (content: string, params: Partial<ModelRequest> = {}): ModelRequest => ({
  method: 'chat',
  messages: [{ role: 'user', content }],
  ...params,
}) as ModelRequest;

/** Fault for the request indexes listed, a normal answer for the others. */
function faultAt(fault: TestServerFault, ...indexes: number[]) {
  return (_request: unknown, index: number) => (indexes.includes(index) ? fault : undefined);
}

describe('createEngine over HTTP (OpenAI-compatible)', () => {
  test('a chat request reaches /v1/chat/completions with every parameter mapped', async () => {
    const server = await start();
    const engine = engineFor(server);
    const result = await firstValueFrom(
      engine.call(
        chat('Name a capital city', {
          temperature: 0.3,
          maxTokens: 64,
          stop: ['\n\n'],
          seed: 7,
          n: 1,
          topP: 0.9,
          providerOptions: { num_ctx: 4096 },
        }),
      ),
    );
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/chat/completions']);
    const body = server.requests[0]?.body;
    expect(body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'Name a capital city' }],
      stream: false,
      temperature: 0.3,
      max_tokens: 64,
      stop: ['\n\n'],
      seed: 7,
      n: 1,
      top_p: 0.9,
      num_ctx: 4096,
    });
    expect(server.requests[0]?.headers.authorization).toBe('Bearer k');
    expect(result.texts).toHaveLength(1);
    expect(result.texts[0]).toMatch(/^Question: .*\nAnswer: .*$/);
    expect(result.finishReason).toBe('stop');
    expect(result.cached).toBe(false);
    expect(result.usage).toEqual({ promptTokens: 4, completionTokens: result.texts[0]!.split(/\s+/).length });
  });

  test('a completion request reaches /v1/completions with the prompt and mapped parameters', async () => {
    const server = await start({ respond: (request) => `echo: ${request.body.prompt}` });
    const engine = engineFor(server);
    const result = await firstValueFrom(engine.call({ method: 'completion', prompt: 'Once upon', maxTokens: 5, temperature: 0, stop: ['.'] }));
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/completions']);
    expect(server.requests[0]?.body).toEqual({ model: 'test-model', prompt: 'Once upon', stream: false, max_tokens: 5, temperature: 0, stop: ['.'] });
    expect(result.texts).toEqual(['echo: Once upon']);
    expect(result.usage.promptTokens).toBe(2);
  });

  test('n = 2 returns two texts', async () => {
    const server = await start();
    const result = await firstValueFrom(engineFor(server).call(chat('Two please', { n: 2 })));
    expect(server.requests[0]?.body.n).toBe(2);
    expect(result.texts).toHaveLength(2);
    expect(result.texts[0]).not.toBe(result.texts[1]);
  });

  test('callLimit caps the requests in flight at the server, and is reached', async () => {
    const server = await start({ latencyMs: 50 });
    const engine = engineFor(server, { callLimit: 4 });
    const calls = Array.from({ length: 20 }, (_, index) => engine.call(chat(`question ${index}`)));
    const results = await lastValueFrom(merge(...calls).pipe(toArray()));
    expect(results).toHaveLength(20);
    expect(server.counters.requests).toBe(20);
    expect(server.counters.maxInFlight).toBe(4);
    expect(engine.limiter.activeCount).toBe(0);
  });

  test('retries a 429 after the Retry-After wait', async () => {
    const server = await start({ fault: faultAt({ kind: 'status', status: 429, retryAfterSeconds: 1 }, 0) });
    const { scheduler, delays } = recordingScheduler();
    // The exponential backoff would ask for at least 30 s; Retry-After asks for 1 s.
    const engine = engineFor(server, { retryDelayMs: 60_000, scheduler });
    const result = await firstValueFrom(engine.call(chat('hello')));
    expect(result.texts).toHaveLength(1);
    expect(server.counters).toMatchObject({ requests: 2, faults: 1, answered: 1 });
    // The retry waits the 1 s asked for (the credential's admission pauses as long: its re-checks are the later, shorter waits).
    expect(delays[0]).toBe(1000);
    expect(Math.max(...delays)).toBe(1000);
    expect(engine.stats.retries).toBe(1);
  });

  test('retries a 429 with Retry-After: 0 at once', async () => {
    const server = await start({ fault: faultAt({ kind: 'status', status: 429, retryAfterSeconds: 0 }, 0) });
    const { scheduler, delays } = recordingScheduler();
    const result = await firstValueFrom(engineFor(server, { retryDelayMs: 60_000, scheduler }).call(chat('hello')));
    expect(result.texts).toHaveLength(1);
    expect(server.counters.requests).toBe(2);
    expect(delays).toEqual([0]);
  });

  test('backs off exponentially when the server gives no Retry-After', async () => {
    // 500 is retried without throttling the credential (a 503 would also pause it for the cooldown).
    const server = await start({ fault: faultAt({ kind: 'status', status: 500 }, 0, 1, 2) });
    const { scheduler, delays } = recordingScheduler();
    const engine = engineFor(server, { retryDelayMs: 100, scheduler, random: () => 0 });
    await firstValueFrom(engine.call(chat('hello')));
    expect(server.counters.requests).toBe(4);
    // Jitter in [0.5, 1) of the doubling delay; random() = 0 takes the low end.
    expect(delays).toEqual([50, 100, 200]);
  });

  test('retries a 500', async () => {
    const server = await start({ fault: faultAt({ kind: 'status', status: 500 }, 0) });
    const engine = engineFor(server);
    const result = await firstValueFrom(engine.call(chat('hello')));
    expect(result.texts).toHaveLength(1);
    expect(server.counters).toMatchObject({ requests: 2, faults: 1, answered: 1 });
    expect(engine.stats).toMatchObject({ requests: 2, retries: 1, failures: 0 });
  });

  test('retries a dropped connection', async () => {
    const server = await start({ fault: faultAt({ kind: 'drop' }, 0) });
    const result = await firstValueFrom(engineFor(server).call(chat('hello')));
    expect(result.texts).toHaveLength(1);
    expect(server.counters).toMatchObject({ requests: 2, faults: 1, answered: 1 });
  });

  test('does not retry a 400: the original ApiCallError comes out', async () => {
    const server = await start({ fault: () => ({ kind: 'status', status: 400 }) });
    const engine = engineFor(server);
    const error = await firstValueFrom(engine.call(chat('hello'))).catch((caught: unknown) => caught);
    expect(server.counters.requests).toBe(1);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ name: 'ApiCallError', statusCode: 400, isRetryable: false, url: `${server.baseURL}/chat/completions` });
    expect(engine.stats).toMatchObject({ retries: 0, failures: 1 });
  });

  test('with maxRetries 0 a 500 is rethrown as is', async () => {
    const server = await start({ fault: () => ({ kind: 'status', status: 500 }) });
    const error = await firstValueFrom(engineFor(server, { maxRetries: 0 }).call(chat('hello'))).catch((caught: unknown) => caught);
    expect(server.counters.requests).toBe(1);
    expect(RetryError.isInstance(error)).toBe(false);
    expect(error).toMatchObject({ name: 'ApiCallError', statusCode: 500, isRetryable: true });
  });

  test('persistent 500s end in a RetryError holding every attempt', async () => {
    const server = await start({ fault: () => ({ kind: 'status', status: 500 }) });
    const maxRetries = 2;
    const engine = engineFor(server, { maxRetries });
    const error = await firstValueFrom(engine.call(chat('hello'))).catch((caught: unknown) => caught);
    expect(server.counters.requests).toBe(maxRetries + 1);
    expect(RetryError.isInstance(error)).toBe(true);
    const retryError = error as RetryError;
    expect(retryError.reason).toBe('max_retries_exceeded');
    expect(retryError.errors).toHaveLength(maxRetries + 1);
    expect(retryError.errors.every((each) => ApiCallError.isInstance(each) && each.statusCode === 500)).toBe(true);
    expect(retryError.lastError).toBe(retryError.errors.at(-1));
    expect(retryError.message).toMatch(/^Failed after 3 attempts\. Last error: .*500/);
    expect(engine.stats).toMatchObject({ requests: 3, retries: 2, failures: 1 });
  });

  test('a non-retryable error after a retry ends in a RetryError with reason not_retryable', async () => {
    const server = await start({ fault: (_request, index) => ({ kind: 'status', status: index === 0 ? 500 : 400 }) });
    const error = await firstValueFrom(engineFor(server).call(chat('hello'))).catch((caught: unknown) => caught);
    expect(server.counters.requests).toBe(2);
    expect(RetryError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ reason: 'not_retryable' });
    expect((error as RetryError).errors.map((each) => (each as ApiCallError).statusCode)).toEqual([500, 400]);
  });

  test('an identical request is answered from the in-memory cache without an HTTP call', async () => {
    const server = await start();
    const engine = engineFor(server);
    const first = await firstValueFrom(engine.call(chat('same question', { temperature: 0 })));
    const second = await firstValueFrom(engine.call(chat('same question', { temperature: 0 })));
    const different = await firstValueFrom(engine.call(chat('same question', { temperature: 1 })));
    expect(server.counters.requests).toBe(2);
    expect(first.cached).toBe(false);
    expect(second).toEqual({ ...first, cached: true });
    expect(different.cached).toBe(false);
    expect(engine.stats).toMatchObject({ requests: 2, cacheHits: 1 });
  });

  test('cacheSize 0 turns the cache off', async () => {
    const server = await start();
    const engine = engineFor(server, { cacheSize: 0 });
    await firstValueFrom(engine.call(chat('same question', { temperature: 0 })));
    const second = await firstValueFrom(engine.call(chat('same question', { temperature: 0 })));
    expect(server.counters.requests).toBe(2);
    expect(second.cached).toBe(false);
    expect(engine.stats.cacheHits).toBe(0);
  });

  test('a model that answers for free (`simulated` without a latency) gets no memory cache unless `cacheSize` is given; the same answer either way', async () => {
    const request = chat('same question', { seed: 7 });
    const free = createEngine(createSimulated());
    const [first, again] = [await firstValueFrom(free.call(request)), await firstValueFrom(free.call(request))];
    expect(free.stats).toMatchObject({ requests: 2, cacheHits: 0 });
    expect(again).toEqual(first);
    const remembering = createEngine(createSimulated(), { cacheSize: 10 });
    await firstValueFrom(remembering.call(request));
    expect(await firstValueFrom(remembering.call(request))).toEqual({ ...first, cached: true });
    expect(remembering.stats).toMatchObject({ requests: 1, cacheHits: 1 });
    // With a latency it rehearses a real engine's timing: cached as one.
    const rehearsing = createEngine(createSimulated({ latencyMs: 1 }));
    await firstValueFrom(rehearsing.call(request));
    await firstValueFrom(rehearsing.call(request));
    expect(rehearsing.stats).toMatchObject({ requests: 1, cacheHits: 1 });
  });

  test('unsubscribing aborts the HTTP request', async () => {
    const server = await start({ latencyMs: 2000 });
    const engine = engineFor(server);
    const values: unknown[] = [];
    const subscription = engine.call(chat('slow')).subscribe((value) => values.push(value));
    await waitFor(() => server.counters.inFlight === 1);
    subscription.unsubscribe();
    await waitFor(() => server.counters.clientAborts === 1);
    expect(server.counters).toMatchObject({ requests: 1, answered: 0, inFlight: 0, clientAborts: 1 });
    expect(values).toEqual([]);
    expect(engine.limiter.activeCount).toBe(0);
  });

  test('probe resolves for a running server', async () => {
    const server = await start();
    await expect(engineFor(server).probe(new AbortController().signal)).resolves.toBeUndefined();
    expect(server.counters.byPath['/v1/models']).toBe(1);
  });

  test('probe rejects for a closed port', async () => {
    const server = await start();
    const engine = engineFor(server);
    await server.close();
    await expect(engine.probe(new AbortController().signal)).rejects.toThrow();
  });

  test('bad config throws a ConfigError at the factory call', () => {
    const model = createOpenAI({ baseURL: 'http://127.0.0.1:1/v1', modelId: 'test-model', apiKey: 'k' });
    expect(() => createEngine(model, { callLimit: 0 })).toThrow(ConfigError);
    expect(() => createEngine(model, { callLimit: 0 })).toThrow('engine: invalid config at `callLimit`');
    expect(() => createEngine(model, { maxRetries: -1 })).toThrow('`maxRetries`');
    expect(() => createEngine(model, { cacheSize: 1.5 })).toThrow('`cacheSize`');
    expect(() => createEngine(model, { params: { max_tokens: 5 } as never })).toThrow('engine: invalid config at `params.max_tokens`: unknown field');
    expect(() => createEngine(model, { params: { temperature: '0.2' } as never })).toThrow('`params.temperature`: expected number, received string');
  });
});

describe('the engine cache', () => {
  /** An engine over a fake model whose every answer is new, so a repeated answer can only come from the cache. */
  function fakeEngine(config: EngineConfig = {}) {
    const model = new FakeLanguageModel({ answers: (_request, index) => `answer ${index}` });
    return { model, engine: createEngine(model, { retryDelayMs: 1, ...config }) };
  }

  test('a sampling request (temperature above 0, no seed) always reaches the model', async () => {
    const { model, engine } = fakeEngine();
    const first = await firstValueFrom(engine.call(chat('same question', { temperature: 0.7 })));
    const second = await firstValueFrom(engine.call(chat('same question', { temperature: 0.7 })));
    expect(model.calls).toHaveLength(2);
    expect([first.texts, second.texts]).toEqual([['answer 0'], ['answer 1']]);
    expect([first.cached, second.cached]).toEqual([false, false]);
    expect(engine.stats).toMatchObject({ requests: 2, cacheHits: 0 });
  });

  test('a request without a temperature samples (servers default to 1), so it is not cached either', async () => {
    const { model, engine } = fakeEngine();
    await firstValueFrom(engine.call(chat('same question')));
    const second = await firstValueFrom(engine.call(chat('same question')));
    expect(model.calls).toHaveLength(2);
    expect(second.cached).toBe(false);
  });

  test('a sampling request is not written to the cache: it evicts nothing', async () => {
    const { model, engine } = fakeEngine({ cacheSize: 1 });
    await firstValueFrom(engine.call(chat('kept', { temperature: 0 })));
    await firstValueFrom(engine.call(chat('sampled', { temperature: 0.7 })));
    const again = await firstValueFrom(engine.call(chat('kept', { temperature: 0 })));
    expect(again).toMatchObject({ texts: ['answer 0'], cached: true });
    expect(model.calls).toHaveLength(2);
  });

  test('a seed makes a sampling request repeatable, so it is cached', async () => {
    const { model, engine } = fakeEngine();
    const first = await firstValueFrom(engine.call(chat('same question', { temperature: 0.9, seed: 7 })));
    const second = await firstValueFrom(engine.call(chat('same question', { temperature: 0.9, seed: 7 })));
    expect(model.calls).toHaveLength(1);
    expect(second).toEqual({ ...first, cached: true });
  });

  test('the cache key is computed only for a request the cache may serve', async () => {
    const { model, engine } = fakeEngine();
    // The memory key is the JSON of [provider, endpoint, model, request]: watched among every JSON.stringify call.
    const stringify = vi.spyOn(JSON, 'stringify');
    const keysMade = (): number => stringify.mock.calls.filter(([value]) => Array.isArray(value) && value[0] === model.provider && value[2] === model.modelId).length;
    try {
      await firstValueFrom(engine.call(chat('sampled', { temperature: 0.7 })));
      expect(keysMade()).toBe(0);
      await firstValueFrom(engine.call(chat('fixed', { temperature: 0 })));
      expect(keysMade()).toBe(1);
    } finally {
      stringify.mockRestore();
    }
  });

  test('a cache hit spends no tokens', async () => {
    const { engine } = fakeEngine();
    const first = await firstValueFrom(engine.call(chat('four words in here', { temperature: 0 })));
    await firstValueFrom(engine.call(chat('four words in here', { temperature: 0 })));
    expect(engine.stats).toMatchObject({ requests: 1, cacheHits: 1, promptTokens: 4, completionTokens: first.usage.completionTokens });
  });
});

describe('Engine.stats', () => {
  test('is a read-only snapshot: writing to it or calling later changes neither it nor the engine', async () => {
    const engine = createEngine(new FakeLanguageModel({ answers: 'a' }));
    const before = engine.stats;
    // @ts-expect-error the snapshot is read-only
    before.requests = 99;
    expect(engine.stats.requests).toBe(0);
    await firstValueFrom(engine.call(chat('hello')));
    expect(before.requests).toBe(99);
    expect(engine.stats).toEqual({ requests: 1, cacheHits: 0, retries: 0, failures: 0, promptTokens: 1, completionTokens: 1 });
  });
});

describe('createOllama', () => {
  test('sends to <host>/v1/chat/completions with the model id', async () => {
    const server = await start();
    const model = createOllama({ modelId: 'granite4:3b', baseURL: server.url });
    expect(model.provider).toBe('ollama');
    expect(model.endpoint).toBe(server.baseURL);
    const result = await firstValueFrom(createEngine(model).call(chat('hello')));
    expect(result.texts).toHaveLength(1);
    expect(server.requests.map((request) => request.path)).toEqual(['/v1/chat/completions']);
    expect(server.requests[0]?.body.model).toBe('granite4:3b');
  });

  test('a baseURL given with /v1 is not doubled', () => {
    expect(createOllama({ modelId: 'm', baseURL: 'http://example.test:1234/v1/' }).endpoint).toBe('http://example.test:1234/v1');
  });

  test('honours the OLLAMA_HOST environment variable', async () => {
    const server = await start();
    vi.stubEnv('OLLAMA_HOST', server.url);
    const model = createOllama({ modelId: 'granite4:3b' });
    expect(model.endpoint).toBe(server.baseURL);
    await firstValueFrom(createEngine(model).call(chat('hello')));
    expect(server.counters.requests).toBe(1);
  });

  test('OLLAMA_HOST may omit the scheme', async () => {
    const server = await start();
    vi.stubEnv('OLLAMA_HOST', server.url.replace('http://', ''));
    const model = createOllama({ modelId: 'granite4:3b' });
    await firstValueFrom(createEngine(model).call(chat('hello')));
    expect(server.counters.requests).toBe(1);
  });

  test('OLLAMA_HOST without scheme or port means port 11434, as in Ollama', () => {
    vi.stubEnv('OLLAMA_HOST', 'gpu-box');
    expect(createOllama({ modelId: 'm' }).endpoint).toBe('http://gpu-box:11434/v1');
    vi.stubEnv('OLLAMA_HOST', '0.0.0.0');
    expect(createOllama({ modelId: 'm' }).endpoint).toBe('http://0.0.0.0:11434/v1');
  });

  test('an unset or empty OLLAMA_HOST means http://localhost:11434', () => {
    vi.stubEnv('OLLAMA_HOST', '');
    expect(createOllama({ modelId: 'm' }).endpoint).toBe('http://localhost:11434/v1');
    vi.stubEnv('OLLAMA_HOST', undefined);
    expect(createOllama({ modelId: 'm' }).endpoint).toBe('http://localhost:11434/v1');
  });
});
