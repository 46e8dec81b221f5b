import { EMPTY, NEVER, Subject, concat, from, lastValueFrom, of, take, throwError, toArray } from 'rxjs';
import { describe, expect, test, vi } from 'vitest';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { RetryError } from '../../lib/errors/retry-error.ts';
import { type Engine, type EngineConfig, createEngine } from '../../lib/model/engine.ts';
import { accepted } from '../../lib/outcome.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import type { Outcome, Rejected } from '../../lib/record.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { generate } from '../../operators/generate.ts';
import { type Question, askOf, rejectedOf, restoredOf, usageOf } from '../helpers/outcomes.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

const start = useTestServers();

function engineFor(server: TestServer, config: EngineConfig = {}): Engine {
  return createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }), { retryDelayMs: 1, ...config });
}

/** The server echoes the user message, so every answer names its record. */
const echo = { respond: (request: { body: any }) => `answer to ${request.body.messages?.at(-1)?.content ?? request.body.prompt}` };

const prompt = (record: Question) => record.question;
const withAnswer = (text: string, record: Question): Question => ({ ...record, answer: text });

function run<Out>(inputs: readonly Outcome<Question>[], operator: ReturnType<typeof generate<Question, Out>>): Promise<Outcome<Out>[]> {
  return lastValueFrom(from(inputs).pipe(operator, toArray())).then((outcomes) => outcomes.sort((left, right) => Number(left.id) - Number(right.id)));
}

describe('generate over HTTP', () => {
  test('accepted records get their answers parsed', async () => {
    const server = await start(echo);
    const outcomes = await run([askOf(0, 'q0'), askOf(1, 'q1'), askOf(2, 'q2')], generate({ engine: engineFor(server), prompt, parse: withAnswer }));
    expect(outcomes.map((outcome) => [outcome.status, outcome.record])).toEqual([
      ['accepted', { question: 'q0', answer: 'answer to q0' }],
      ['accepted', { question: 'q1', answer: 'answer to q1' }],
      ['accepted', { question: 'q2', answer: 'answer to q2' }],
    ]);
    expect(server.counters.requests).toBe(3);
  });

  test('without parse, the answer lands in `result` (an array when n > 1)', async () => {
    const server = await start(echo);
    const [single] = await run([askOf(0, 'q0')], generate({ engine: engineFor(server), prompt }));
    expect(single?.record).toEqual({ question: 'q0', result: 'answer to q0' });
    const [multiple] = await run([askOf(0, 'q1')], generate({ engine: engineFor(server), prompt, params: { n: 2 } }));
    expect(multiple?.record).toEqual({ question: 'q1', result: ['answer to q1', 'answer to q1'] });
  });

  test('the request merges the engine params with the operator params, which win', async () => {
    const server = await start();
    const engine = engineFor(server, { params: { temperature: 0.1, maxTokens: 50, providerOptions: { num_ctx: 2048 } } });
    await run([askOf(0, 'q0')], generate({ engine, prompt, params: { temperature: 0.9, seed: 3 } }));
    expect(server.requests[0]?.body).toMatchObject({ temperature: 0.9, max_tokens: 50, seed: 3, num_ctx: 2048 });
  });

  test('completion mode sends the prompt to /v1/completions; messages are joined', async () => {
    const server = await start();
    const engine = engineFor(server);
    await run([askOf(0, 'q0')], generate({ engine, prompt, method: 'completion' }));
    await run(
      [askOf(0, 'q1')],
      generate({
        engine,
        method: 'completion',
        prompt: (record: Question) => [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: record.question },
        ],
      }),
    );
    expect(server.requests.map((request) => [request.path, request.body.prompt])).toEqual([
      ['/v1/completions', 'q0'],
      ['/v1/completions', 'Be brief.\n\nq1'],
    ]);
  });

  test('a parse function that throws rejects that record with parse_failed; the run goes on', async () => {
    const server = await start(echo);
    const parse = (text: string, record: Question) => {
      if (record.question === 'bad') throw new Error('no answer found');
      return withAnswer(text, record);
    };
    const outcomes = await run([askOf(0, 'good'), askOf(1, 'bad'), askOf(2, 'fine')], generate({ engine: engineFor(server), prompt, parse, name: 'gen' }));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(outcomes[1]).toMatchObject({
      status: 'rejected',
      id: '1',
      record: { question: 'bad' },
      issues: [{ code: 'parse_failed', message: 'no answer found', block: 'gen' }],
      usage: { calls: 1 },
    });
  });

  test('a prompt function that throws rejects that record with prompt_failed', async () => {
    const server = await start();
    const outcomes = await run(
      [askOf(0, 'q0')],
      generate({
        engine: engineFor(server),
        prompt: () => {
          throw new Error('template broke');
        },
      }),
    );
    expect(outcomes[0]).toMatchObject({ status: 'rejected', issues: [{ code: 'prompt_failed', message: 'template broke', block: 'generator' }] });
    expect(server.counters.requests).toBe(0);
  });

  test('a failed LM call rejects that record with lm_call_failed and the stream continues', async () => {
    const server = await start({ ...echo, fault: (request) => (request.body.messages[0].content === 'q1' ? { kind: 'status', status: 500 } : undefined) });
    const outcomes = await run([askOf(0, 'q0'), askOf(1, 'q1'), askOf(2, 'q2')], generate({ engine: engineFor(server, { maxRetries: 0 }), prompt, parse: withAnswer }));
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(outcomes[1]).toMatchObject({ record: { question: 'q1' }, issues: [{ code: 'lm_call_failed', block: 'generator' }] });
    expect((outcomes[1] as Rejected).issues[0]?.message).toMatch(/500/);
    expect(server.counters.requests).toBe(3);
  });

  test('a 401 errors the stream with the ApiCallError', async () => {
    const server = await start({ apiKey: 'the-real-key' });
    const error = await run([askOf(0, 'q0'), askOf(1, 'q1')], generate({ engine: engineFor(server), prompt })).catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 401 });
  });

  test('a 401 after a retried 500 still errors the stream', async () => {
    const server = await start({ fault: (_request, index) => (index === 0 ? { kind: 'status', status: 500 } : { kind: 'status', status: 401 }) });
    const error = await run([askOf(0, 'q0')], generate({ engine: engineFor(server), prompt })).catch((caught: unknown) => caught);
    expect(RetryError.isInstance(error)).toBe(true);
    expect((error as RetryError).lastError).toMatchObject({ statusCode: 401 });
  });

  test('rejected and restored outcomes pass through without a call', async () => {
    const server = await start();
    const rejectedOne = rejectedOf(0, 'q0');
    const restoredOne = restoredOf('q1');
    const outcomes = await lastValueFrom(of(rejectedOne, restoredOne).pipe(generate({ engine: engineFor(server), prompt }), toArray()));
    expect(outcomes).toEqual([rejectedOne, restoredOne]);
    expect(outcomes[0]).toBe(rejectedOne);
    expect(server.counters.requests).toBe(0);
  });

  test('usage is attached to the record and added to what it already had', async () => {
    const server = await start({ respond: () => 'one two three' });
    const earlier = usageOf({ calls: 1, cachedCalls: 0, promptTokens: 10, completionTokens: 20 });
    const outcomes = await run([askOf(0, 'four words in here'), accepted('1', { question: 'q' }, earlier)], generate({ engine: engineFor(server), prompt }));
    expect(outcomes[0]?.usage).toMatchObject({ calls: 1, cachedCalls: 0, promptTokens: 4, completionTokens: 3, costUsd: 0 });
    expect(outcomes[1]?.usage).toMatchObject({ calls: 2, cachedCalls: 0, promptTokens: 11, completionTokens: 23 });
  });

  test('a call answered from the cache counts as a cached call and spends no tokens', async () => {
    const server = await start();
    // callLimit 1 runs the calls one after another, so the second finds the first answer cached.
    const engine = engineFor(server, { callLimit: 1, params: { temperature: 0 } });
    const outcomes = await run([askOf(0, 'same'), askOf(1, 'same')], generate({ engine, prompt }));
    expect(outcomes.map((outcome) => outcome.usage)).toEqual([
      expect.objectContaining({ calls: 1, cachedCalls: 0, promptTokens: 1, completionTokens: expect.any(Number) }),
      expect.objectContaining({ calls: 0, cachedCalls: 1, promptTokens: 0, completionTokens: 0, costUsd: 0 }),
    ]);
    expect(outcomes[0]?.record).toEqual(outcomes[1]?.record);
    expect(server.counters.requests).toBe(1);
  });

  test('unsubscribing downstream aborts the other in-flight HTTP requests', async () => {
    // Requests are numbered on arrival, so when the fourth is answered at once the other three are at the server.
    const server = await start({ latencyMs: (index) => (index === 3 ? 0 : 2000) });
    const inputs = [askOf(0, 'q0'), askOf(1, 'q1'), askOf(2, 'q2'), askOf(3, 'q3')];
    const first = await lastValueFrom(from(inputs).pipe(generate({ engine: engineFor(server), prompt }), take(1)));
    expect(first.status).toBe('accepted');
    await waitFor(() => server.counters.clientAborts === 3);
    expect(server.counters).toMatchObject({ requests: 4, answered: 1, inFlight: 0, clientAborts: 3 });
  });

  test('sampling: a repeated prompt gets a fresh answer, not the cached one', async () => {
    const server = await start();
    const engine = engineFor(server, { callLimit: 1 });
    const outcomes = await run([askOf(0, 'same'), askOf(1, 'same')], generate({ engine, prompt, params: { temperature: 0.8 } }));
    expect(server.counters.requests).toBe(2);
    expect(outcomes.map((outcome) => outcome.usage?.calls)).toEqual([1, 1]);
    expect(outcomes[0]?.record).not.toEqual(outcomes[1]?.record);
  });

  test('bad config throws a ConfigError at the factory call', async () => {
    const server = await start();
    const engine = engineFor(server);
    expect(() => generate({ engine: {} as Engine, prompt })).toThrow(ConfigError);
    expect(() => generate({ engine: {} as Engine, prompt })).toThrow('generate: invalid config at `engine`');
    expect(() => generate({ engine, prompt: 'not a function' as never })).toThrow('`prompt`');
    expect(() => generate({ engine, prompt, method: 'stream' as never })).toThrow('`method`');
    expect(() => generate({ engine, prompt, name: '' })).toThrow('`name`');
  });

  test('params are checked strictly: DGT spellings and bad values are config errors', async () => {
    const server = await start();
    const engine = engineFor(server);
    const paramsError = (params: unknown) => () => generate({ engine, prompt, params: params as never });
    expect(paramsError({ max_tokens: 5 })).toThrow('generate: invalid config at `params.max_tokens`: unknown field');
    expect(paramsError({ temperature: -0.1 })).toThrow('`params.temperature`');
    expect(paramsError({ temperature: '0.1' })).toThrow('`params.temperature`: expected number, received string');
    expect(paramsError({ maxTokens: 0 })).toThrow('`params.maxTokens`');
    expect(paramsError({ maxTokens: 1.5 })).toThrow('`params.maxTokens`');
    expect(paramsError({ stop: '\n' })).toThrow('`params.stop`: expected array, received string');
    expect(paramsError({ seed: 0.5 })).toThrow('`params.seed`');
    expect(paramsError({ n: 0 })).toThrow('`params.n`');
    expect(paramsError({ topP: 1.5 })).toThrow('`params.topP`');
    expect(paramsError({ providerOptions: 'num_ctx=4096' })).toThrow('`params.providerOptions`');
    expect(() => generate({ engine, prompt, params: { temperature: 0, maxTokens: 1, stop: ['.'], seed: 1, n: 1, topP: 1, providerOptions: {} } })).not.toThrow();
  });

  test('a param given as undefined leaves the engine default in place', async () => {
    const server = await start();
    const engine = engineFor(server, { params: { temperature: 0.1 } });
    await run([askOf(0, 'q0')], generate({ engine, prompt, params: { temperature: undefined } as never }));
    expect(server.requests[0]?.body).toMatchObject({ temperature: 0.1 });
  });

  test('the engine and operator params are merged once, at the factory call', async () => {
    const server = await start();
    const engine = engineFor(server, { params: { maxTokens: 50 } });
    const readParams = vi.spyOn(engine, 'params', 'get');
    await run([askOf(0, 'q0'), askOf(1, 'q1'), askOf(2, 'q2')], generate({ engine, prompt, params: { temperature: 0.9 } }));
    expect(readParams).toHaveBeenCalledTimes(1);
    expect(server.requests.map((request) => [request.body.max_tokens, request.body.temperature])).toEqual([
      [50, 0.9],
      [50, 0.9],
      [50, 0.9],
    ]);
  });
});

describe('generate with FakeLanguageModel', () => {
  const fakeEngine = (model: FakeLanguageModel, config: EngineConfig = {}) => createEngine(model, { retryDelayMs: 1, ...config });

  test('never: emits nothing and calls nothing', () => {
    const model = new FakeLanguageModel({ answers: 'a' });
    const values: unknown[] = [];
    const subscription = NEVER.pipe(generate({ engine: fakeEngine(model), prompt })).subscribe((value) => values.push(value));
    subscription.unsubscribe();
    expect(values).toEqual([]);
    expect(model.calls).toEqual([]);
  });

  test('empty: completes without a call', async () => {
    const model = new FakeLanguageModel({ answers: 'a' });
    const outcomes = await lastValueFrom(EMPTY.pipe(generate({ engine: fakeEngine(model), prompt }), toArray()));
    expect(outcomes).toEqual([]);
    expect(model.calls).toEqual([]);
  });

  test('one value: one chat call with the prompt as the user message', async () => {
    const model = new FakeLanguageModel({ answers: 'Paris' });
    const outcomes = await run([askOf(0, 'Capital of France?')], generate({ engine: fakeEngine(model), prompt, parse: withAnswer }));
    const counts = { calls: 1, cachedCalls: 0, promptTokens: 3, completionTokens: 1, costUsd: 0 };
    expect(outcomes).toEqual([accepted('0', { question: 'Capital of France?', answer: 'Paris' }, { ...counts, byModel: { 'generator: fake/fake-model': counts } })]);
    expect(model.calls).toEqual([{ method: 'chat', messages: [{ role: 'user', content: 'Capital of France?' }] }]);
  });

  test('many values: one call each, at most callLimit at once', async () => {
    let peak = 0;
    let engine: Engine | undefined;
    const model = new FakeLanguageModel({
      latencyMs: 5,
      answers: (request) => {
        peak = Math.max(peak, engine?.limiter.activeCount ?? 0);
        return `re ${request.method === 'chat' ? request.messages[0]?.content : ''}`;
      },
    });
    engine = fakeEngine(model, { callLimit: 2 });
    const inputs = Array.from({ length: 6 }, (_, index) => askOf(index, `q${index}`));
    const outcomes = await run(inputs, generate({ engine, prompt, parse: withAnswer }));
    expect(outcomes.map((outcome) => outcome.record)).toEqual(inputs.map((input) => ({ question: input.record.question, answer: `re ${input.record.question}` })));
    expect(model.calls).toHaveLength(6);
    expect(peak).toBe(2);
  });

  test('a source error is passed on and aborts the call in flight', async () => {
    const model = new FakeLanguageModel({ answers: 'a', latencyMs: 60_000 });
    const error = await lastValueFrom(
      concat(of(askOf(0, 'q0')), throwError(() => new Error('source broke'))).pipe(generate({ engine: fakeEngine(model), prompt })),
    ).catch((caught: unknown) => caught);
    expect(error).toEqual(new Error('source broke'));
    expect(model.calls).toHaveLength(1);
    await waitFor(() => model.aborted === 1);
  });

  test('early unsubscribe aborts the model calls in flight', async () => {
    const model = new FakeLanguageModel({ answers: 'a', latencyMs: 60_000 });
    const source = new Subject<Outcome<Question>>();
    const values: unknown[] = [];
    const subscription = source.pipe(generate({ engine: fakeEngine(model), prompt })).subscribe((value) => values.push(value));
    source.next(askOf(0, 'q0'));
    source.next(askOf(1, 'q1'));
    await waitFor(() => model.inFlight === 2);
    subscription.unsubscribe();
    expect(source.observed).toBe(false);
    await waitFor(() => model.aborted === 2);
    expect(model.inFlight).toBe(0);
    expect(values).toEqual([]);
  });

  test('each subscription makes its own calls (the operator is reusable)', async () => {
    const model = new FakeLanguageModel({ answers: 'a' });
    const operator = generate({ engine: fakeEngine(model, { cacheSize: 0 }), prompt });
    const first = await lastValueFrom(of(askOf(0, 'q')).pipe(operator, toArray()));
    const second = await lastValueFrom(of(askOf(0, 'q')).pipe(operator, toArray()));
    expect(first).toEqual(second);
    expect(model.calls).toHaveLength(2);
  });
});
