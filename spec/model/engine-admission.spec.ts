/**
 * Admission control seen from engines over real HTTP: every engine with the same credential and endpoint shares
 * one admission, so a throttle answered to one engine pauses and cuts the others; `rpm` spreads a burst; and the
 * server's `x-ratelimit-*` headers are learnt. Times are the arrival times the servers record (Date.now(), the
 * clock of the engines' asyncScheduler too); every bound is a lower bound.
 */
import { firstValueFrom, lastValueFrom, merge, toArray } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import { type EngineConfig, createEngine } from '../../lib/model/engine.ts';
import type { ModelRequest } from '../../lib/model/language-model.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { engineFromBlock } from '../../lib/run/lm-block.ts';
import { chatCompletionBody, countMessageWords } from '../../lib/testing/test-server-bodies.ts';
import type { TestServer, TestServerFault, TestServerRequest } from '../../lib/testing/test-server.ts';
import { type FixtureRequest, startHttpFixture } from '../helpers/servers/http-fixture.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

const start = useTestServers();

afterEach(() => {
  clearAdmissions();
});

// Node's timers may fire a few ms before the wall clock says the delay is over (the loop time they start from can
// be stale), so a lower bound allows this much.
const slackMs = 50;

const chat = (content: string): ModelRequest => ({ method: 'chat', messages: [{ role: 'user', content }] });

/** The user message of a chat request. */
function contentOf(request: TestServerRequest | FixtureRequest): string {
  return String((request.body as { messages?: { content?: unknown }[] }).messages?.[0]?.content ?? '');
}

/** An engine on `createOpenAI` with this base URL and key (the credential and endpoint admission is shared by). */
function engineAt(baseURL: string, config: EngineConfig = {}, apiKey = 'shared-key') {
  return createEngine(createOpenAI({ baseURL, apiKey, modelId: 'test-model' }), { retryDelayMs: 1, ...config });
}

/** A test server that notes when each generation request arrived, and answers `fault(index)` or normally. */
async function timedServer(options: { fault?: (index: number, request: TestServerRequest) => TestServerFault | undefined; latencyMs?: (index: number) => number } = {}) {
  const arrivals: { index: number; at: number; content: string }[] = [];
  const server: TestServer = await start({
    ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}),
    fault: (request, index) => {
      arrivals.push({ index, at: Date.now(), content: contentOf(request) });
      return options.fault?.(index, request);
    },
  });
  return { server, arrivals };
}

describe('admission shared across engines', () => {
  test('engines with the same key and base URL share one admission; another key or URL gets its own', async () => {
    const { server } = await timedServer();
    const a = engineAt(server.baseURL);
    const b = engineAt(server.baseURL);
    expect(b.admission).toBe(a.admission);
    expect(engineAt(server.baseURL, {}, 'other-key').admission).not.toBe(a.admission);
    const other = await start();
    expect(engineAt(other.baseURL).admission).not.toBe(a.admission);
  });

  test("a 429 with Retry-After: 1 on one engine's request pauses the other engine's queued requests too", async () => {
    // Request 0 (engine A's) is answered 429 after 300 ms; meanwhile engine B's request waits in the shared queue.
    const { server, arrivals } = await timedServer({
      latencyMs: (index) => (index === 0 ? 300 : 0),
      fault: (index) => (index === 0 ? { kind: 'status', status: 429, retryAfterSeconds: 1 } : undefined),
    });
    const a = engineAt(server.baseURL, { callLimit: 1 });
    const b = engineAt(server.baseURL, { callLimit: 1 });
    const calls = [a.call(chat('from A')), b.call(chat('from B 1')), b.call(chat('from B 2'))];
    const done = lastValueFrom(merge(...calls).pipe(toArray()));
    // A's request is at the server, B's first request is queued in the admission both engines share.
    await waitFor(() => server.counters.inFlight > 0);
    expect(a.admission.state).toMatchObject({ active: 1, queued: 1 });
    expect(arrivals.map(({ content }) => content)).toEqual(['from A']);

    const results = await done;
    expect(results).toHaveLength(3);
    expect(arrivals).toHaveLength(4);
    // The 429 left the server at least 300 ms after request 0 arrived; nothing arrived in the second after it,
    // from either engine: B's requests waited out A's Retry-After.
    const throttledAt = arrivals[0]!.at + 300;
    const later = arrivals.slice(1);
    expect(later.map(({ content }) => content).sort()).toEqual(['from A', 'from B 1', 'from B 2']);
    for (const { at } of later) expect(at).toBeGreaterThanOrEqual(throttledAt + 1000 - slackMs);
    // Both engines see the one admission, idle again (a cap of 1 leaves nothing to cut).
    expect(b.admission.state).toMatchObject({ maxConcurrency: 1, concurrency: 1, active: 0, queued: 0 });
    expect(a.stats.retries).toBe(1);
    expect(b.stats.retries).toBe(0);
  });

  test('a congestion event cuts the concurrency once, for both engines; it grows back by 1 per 25 successes up to the cap', async () => {
    // `throttles` requests in a row are answered 429 (Retry-After: 0, so no pause to wait out); bursts are slowed
    // down so that the concurrency in force is what the server sees in flight.
    let throttles = 0;
    let slow = false;
    const { server } = await timedServer({
      fault: () => (throttles-- > 0 ? { kind: 'status', status: 429, retryAfterSeconds: 0 } : undefined),
      latencyMs: () => (slow ? 40 : 0),
    });
    const a = engineAt(server.baseURL, { callLimit: 4 });
    const b = engineAt(server.baseURL, { callLimit: 4 });
    expect(a.admission.state).toMatchObject({ concurrency: 4, maxConcurrency: 4 });

    /** Sends `count` calls through `engine` at once (slowed) and returns the most the server had in flight. */
    const burst = async (engine: typeof a, count: number, tag: string): Promise<number> => {
      slow = true;
      server.resetCounters();
      await lastValueFrom(merge(...Array.from({ length: count }, (_, index) => engine.call(chat(`${tag} ${index}`)))).pipe(toArray()));
      slow = false;
      return server.counters.maxInFlight;
    };
    const sequential = async (engine: typeof a, count: number, tag: string): Promise<void> => {
      for (let index = 0; index < count; index += 1) await firstValueFrom(engine.call(chat(`${tag} ${index}`)));
    };

    // One call throttled twice in a row, then answered: one congestion event, one cut (4 → 3), a run of 1 success.
    throttles = 2;
    await firstValueFrom(a.call(chat('throttled twice')));
    expect(a.stats.retries).toBe(2);
    expect(b.admission.state).toMatchObject({ concurrency: 3, maxConcurrency: 4, successRun: 1 });
    // B's burst runs 3 at a time: A's throttle cut B too.
    expect(await burst(b, 6, 'b burst')).toBe(3);

    // A throttle after the cooldown (2 s by default) is a new event: 3 → 2.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    throttles = 1;
    await firstValueFrom(b.call(chat('throttled after the cooldown')));
    expect(b.stats.retries).toBe(1);
    expect(a.admission.state).toMatchObject({ concurrency: 2, successRun: 1 });
    expect(await burst(a, 6, 'a burst')).toBe(2);

    // 25 successes in a row (1 + 6 + 17 + 1) grow the limit by 1.
    await sequential(a, 17, 'a seq');
    expect(a.admission.state).toMatchObject({ concurrency: 2, successRun: 24 });
    await sequential(b, 1, 'b seq');
    expect(a.admission.state).toMatchObject({ concurrency: 3, successRun: 0 });
    expect(await burst(a, 6, 'a burst 2')).toBe(3);
    // 25 more: back at the cap of 4, and never above it.
    await sequential(b, 19, 'b seq 2');
    expect(a.admission.state).toMatchObject({ concurrency: 4, successRun: 0 });
    await sequential(a, 25, 'a seq 2');
    expect(a.admission.state).toMatchObject({ concurrency: 4, maxConcurrency: 4 });
    expect(await burst(b, 8, 'b burst 2')).toBe(4);
  });

  test('adaptive: false keeps the concurrency at the cap after a throttle', async () => {
    const { server } = await timedServer({ fault: (index) => (index === 0 ? { kind: 'status', status: 429, retryAfterSeconds: 0 } : undefined) });
    const engine = engineAt(server.baseURL, { callLimit: 4, adaptive: false });
    await firstValueFrom(engine.call(chat('throttled once')));
    expect(engine.stats.retries).toBe(1);
    expect(engine.admission.state).toMatchObject({ concurrency: 4, maxConcurrency: 4 });
  });
});

describe('rpm from the block config', () => {
  test('rpm: 120 is 2 requests a second, with a burst of one second\'s worth: of 6 sent at once, the 3rd waits 0.5 s and each next one 0.5 s more', async () => {
    // The bucket holds `burstSeconds` (1 s) of the rate: 2 requests; one token comes back every 500 ms.
    const { server, arrivals } = await timedServer();
    const before = Date.now();
    const engine = engineFromBlock(
      { name: 'generator', type: 'openai', base_url: server.baseURL, api_key: 'rpm-key', model_id_or_path: 'test-model', call_limit: 10, rpm: 120 },
      { file: 'builder.yaml', field: 'blocks.0' },
    );
    expect(engine.admission.state).toMatchObject({ rpm: 120, rpmAvailable: 2 });
    const results = await lastValueFrom(merge(...Array.from({ length: 6 }, (_, index) => engine.call(chat(`burst ${index}`)))).pipe(toArray()));
    expect(results).toHaveLength(6);
    const times = arrivals.map(({ at }) => at).sort((x, y) => x - y);
    expect(times).toHaveLength(6);
    // By any time t, at most 2 + 2 per second since the bucket was made have started.
    for (let index = 2; index < 6; index += 1) expect(times[index]).toBeGreaterThanOrEqual(before + (index - 1) * 500 - slackMs);
    expect(engine.admission.state.rpm).toBe(120);
  });

  test('without rpm and without rate-limit headers there is no bucket', async () => {
    const { server } = await timedServer();
    const engine = engineFromBlock(
      { name: 'generator', type: 'openai', base_url: server.baseURL, api_key: 'no-rpm-key', model_id_or_path: 'test-model', call_limit: 20 },
      { file: 'builder.yaml', field: 'blocks.0' },
    );
    await lastValueFrom(merge(...Array.from({ length: 20 }, (_, index) => engine.call(chat(`burst ${index}`)))).pipe(toArray()));
    expect(engine.admission.state).toMatchObject({ rpm: undefined, rpmAvailable: undefined, pausedUntil: undefined });
  });
});

describe('rate-limit headers from the server', () => {
  /** An OpenAI-compatible chat endpoint that sends `headersFor(index)` with each answer and notes arrival and answer times. */
  async function headerServer(headersFor: (index: number) => Record<string, string>) {
    const arrivals: { at: number; content: string }[] = [];
    const answeredAt: number[] = [];
    const fixture = await startHttpFixture({
      handle: (request) => {
        if (request.method === 'GET' && request.path === '/v1/models') return { status: 200, body: { object: 'list', data: [] } };
        if (request.method !== 'POST' || request.path !== '/v1/chat/completions') return { status: 404, body: { error: { message: 'not found' } } };
        const index = arrivals.length;
        arrivals.push({ at: Date.now(), content: contentOf(request) });
        const body = chatCompletionBody(index, 'test-model', countMessageWords(request.body.messages), [`answer ${index}`]);
        answeredAt.push(Date.now());
        return { status: 200, body, headers: { 'content-type': 'application/json', ...headersFor(index) } };
      },
    });
    return { fixture, arrivals, answeredAt };
  }

  test('x-ratelimit-remaining-requests: 0 with reset 1s holds the next request, from either engine, for a second; the limit is learnt', async () => {
    const { fixture, arrivals, answeredAt } = await headerServer((index) =>
      index === 0 ? { 'x-ratelimit-limit-requests': '60', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' } : {},
    );
    try {
      const baseURL = `${fixture.url}/v1`;
      const a = engineAt(baseURL);
      const b = engineAt(baseURL);
      expect(a.admission.state.rpm).toBeUndefined();
      await firstValueFrom(a.call(chat('first')));
      // Learnt: a 60-per-minute bucket, emptied, and a pause until the reset.
      expect(b.admission.state).toMatchObject({ rpm: 60, pausedUntil: expect.any(Number) });
      expect(b.admission.state.rpmAvailable).toBeLessThan(1);
      await firstValueFrom(b.call(chat('second')));
      expect(arrivals.map(({ content }) => content)).toEqual(['first', 'second']);
      expect(arrivals[1]!.at).toBeGreaterThanOrEqual(answeredAt[0]! + 1000 - slackMs);
    } finally {
      await fixture.close();
    }
  });

  test('without rate-limit headers the next request goes at once: nothing is learnt', async () => {
    const { fixture } = await headerServer(() => ({}));
    try {
      const engine = engineAt(`${fixture.url}/v1`);
      await firstValueFrom(engine.call(chat('first')));
      expect(engine.admission.state).toMatchObject({ rpm: undefined, pausedUntil: undefined });
    } finally {
      await fixture.close();
    }
  });

  test('x-ratelimit-remaining-tokens: 0 with reset 1s also pauses the credential', async () => {
    const { fixture, arrivals, answeredAt } = await headerServer((index) =>
      index === 0 ? { 'x-ratelimit-limit-tokens': '100000', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '1s' } : {},
    );
    try {
      const engine = engineAt(`${fixture.url}/v1`);
      await firstValueFrom(engine.call(chat('first')));
      expect(engine.admission.state).toMatchObject({ tpm: 100_000 });
      await firstValueFrom(engine.call(chat('second')));
      expect(arrivals[1]!.at).toBeGreaterThanOrEqual(answeredAt[0]! + 1000 - slackMs);
    } finally {
      await fixture.close();
    }
  });
});
