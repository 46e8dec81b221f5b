import { firstValueFrom, forkJoin } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import { type EngineCall, type EngineConfig, createEngine } from '../../lib/model/engine.ts';
import type { ModelRequest } from '../../lib/model/language-model.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { modelCalledAt } from '../../lib/telemetry/run-event.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const start = useTestServers();
afterEach(() => clearAdmissions());

function engineFor(server: TestServer, config: EngineConfig) {
  return createEngine(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }), { maxRetries: 0, ...config });
}

/** The engine's calls as they end, in a list that grows. */
function callsOf(engine: ReturnType<typeof createEngine>): EngineCall[] {
  const calls: EngineCall[] = [];
  engine.calls.subscribe((call) => calls.push(call));
  return calls;
}

const chat = (content: string): ModelRequest => ({ method: 'chat', messages: [{ role: 'user', content }], temperature: 0 });

describe("an engine's calls say when they reached the model (DGT's semaphore wait apart from the model's latency)", () => {
  test('with call_limit 1, a call asked while another runs reaches the model once that one has ended', async () => {
    const server = await start({ latencyMs: 60 });
    const engine = engineFor(server, { callLimit: 1, cacheSize: 0 });
    const calls = callsOf(engine);
    await firstValueFrom(forkJoin(['a', 'b', 'c'].map((content) => engine.call(chat(content)))));
    expect(calls).toHaveLength(3);
    const byCall = [...calls].sort((one, other) => one.calledAt! - other.calledAt!);
    for (const call of byCall) {
      expect(call.calledAt).toBeGreaterThanOrEqual(call.startedAt);
      // The server holds every answer 60 ms: that much (less a clock tick) is the model's, whatever the wait was.
      expect(call.endedAt - call.calledAt!).toBeGreaterThanOrEqual(59);
    }
    // All three were asked at once; each later one reached the model only when the one before had ended.
    expect(byCall[1]!.calledAt).toBeGreaterThanOrEqual(byCall[0]!.endedAt);
    expect(byCall[2]!.calledAt).toBeGreaterThanOrEqual(byCall[1]!.endedAt);
    expect(byCall[2]!.calledAt! - byCall[2]!.startedAt).toBeGreaterThanOrEqual(118);
  });

  test('a cache hit never reaches the model: no calledAt, and modelCalledAt is its start', async () => {
    const server = await start();
    const engine = engineFor(server, {});
    const calls = callsOf(engine);
    await firstValueFrom(engine.call(chat('same')));
    await firstValueFrom(engine.call(chat('same')));
    expect(server.counters.requests).toBe(1);
    expect(calls.map((call) => [call.cached, call.calledAt === undefined])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(modelCalledAt(calls[1]!)).toBe(calls[1]!.startedAt);
  });

  test('the prompts of one batch request were sent together: one calledAt for all of them', async () => {
    const server = await start({ latencyMs: 20 });
    const engine = engineFor(server, { batchSize: 4, cacheSize: 0 });
    const calls = callsOf(engine);
    const completion = (prompt: string) => ({ method: 'completion' as const, prompt, temperature: 0.5 });
    await firstValueFrom(forkJoin(['a', 'b', 'c', 'd'].map((prompt) => engine.call(completion(prompt)))));
    expect(server.requests.map((request) => request.body.prompt)).toEqual([['a', 'b', 'c', 'd']]);
    expect(calls).toHaveLength(4);
    expect(new Set(calls.map((call) => call.calledAt)).size).toBe(1);
    expect(calls[0]!.calledAt).toBeGreaterThanOrEqual(Math.max(...calls.map((call) => call.startedAt)));
  });

  test('modelCalledAt: a call that failed without reaching the model waited all of its time', () => {
    expect(modelCalledAt({ startedAt: 100, calledAt: 130, endedAt: 180 })).toBe(130);
    expect(modelCalledAt({ startedAt: 100, endedAt: 180, error: 'paused: the credential is throttled' })).toBe(180);
    // A producer that does not say when the model was called: all of the call is the model's.
    expect(modelCalledAt({ startedAt: 100, endedAt: 180 })).toBe(100);
  });
});
