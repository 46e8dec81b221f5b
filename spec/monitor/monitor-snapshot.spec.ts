import { describe, expect, it } from 'vitest';
import { monitorSnapshot } from '../../lib/monitor/monitor-snapshot.ts';
import { applyEvent, emptyMonitorState } from '../../lib/monitor/monitor-state.ts';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';

const base = { runId: 'run-1', buildId: 'exp' };

function running(target: number | undefined): ReturnType<typeof emptyMonitorState> {
  const state = emptyMonitorState();
  applyEvent(state, { ...base, type: 'run-start', time: 0, tasks: [{ task: 'geo', target }] });
  applyEvent(state, { ...base, type: 'task-start', time: 0, task: 'geo', target, taskRunId: 't' });
  return state;
}

function settle(state: ReturnType<typeof emptyMonitorState>, time: number, accepted: number): void {
  const event: RunEvent = { ...base, type: 'input-end', time, task: 'geo', records: [{}], rejections: [], usage: undefined, accepted, rejected: 0, attempts: accepted };
  applyEvent(state, event);
}

describe('monitorSnapshot', () => {
  it('gives no rate before the first input, and nulls for what is unknown', () => {
    const task = monitorSnapshot(running(undefined), 5000).tasks[0]!;
    expect(task).toMatchObject({ task: 'geo', status: 'running', target: null, ratePerSecond: null, etaSeconds: null, attempts: null, endedAt: null });
  });

  it('rates the last 10 seconds and gives the ETA to the target at that rate', () => {
    const state = running(1000);
    // 1 record/s for 20 s, then 5 records/s for 10 s.
    for (let second = 1; second <= 20; second += 1) settle(state, second * 1000, second);
    for (let step = 1; step <= 50; step += 1) settle(state, 20_000 + step * 200, 20 + step);
    const task = monitorSnapshot(state, 30_000).tasks[0]!;
    expect(task.ratePerSecond).toBeCloseTo(5, 5);
    expect(task.etaSeconds).toBeCloseTo((1000 - 70) / 5, 3);
  });

  it('lets the rate fall while a task makes nothing', () => {
    const state = running(100);
    for (let second = 1; second <= 10; second += 1) settle(state, second * 1000, second);
    const busy = monitorSnapshot(state, 10_000).tasks[0]!.ratePerSecond!;
    const idle = monitorSnapshot(state, 18_000).tasks[0]!.ratePerSecond!;
    expect(busy).toBeCloseTo(1, 5);
    expect(idle).toBeLessThan(busy);
    expect(monitorSnapshot(state, 60_000).tasks[0]!.ratePerSecond).toBe(0);
    expect(monitorSnapshot(state, 60_000).tasks[0]!.etaSeconds).toBeNull();
  });

  it('rates a finished task over its whole run and gives it no ETA', () => {
    const state = running(10);
    for (let index = 1; index <= 10; index += 1) settle(state, index * 100, index);
    applyEvent(state, {
      ...base,
      type: 'task-end',
      time: 2000,
      task: 'geo',
      result: { task_name: 'geo', run_id: 't', build_id: 'exp', process_id: 1, status: 'completed', start_time: new Date(0).toISOString(), end_time: new Date(2000).toISOString() },
    });
    expect(monitorSnapshot(state, 99_000).tasks[0]).toMatchObject({ status: 'completed', ratePerSecond: 5, etaSeconds: null });
  });

  it('sorts rejects by count and gives latency percentiles and admission per engine', () => {
    const state = running(10);
    const issue = (code: string, block: string) => ({ record: {}, issues: [{ code, message: code, block }] });
    applyEvent(state, { ...base, type: 'input-end', time: 1, task: 'geo', records: [], rejections: [issue('parse_failed', 'generator'), issue('duplicate', 'dedup'), issue('duplicate', 'dedup')], usage: undefined, accepted: 0, rejected: 3, attempts: 1 });
    const call = { ...base, type: 'model-call-end' as const, block: 'generator', usageKey: 'generator: fake/m', provider: 'fake', model: 'm', promptTokens: 1, completionTokens: 1, request: { method: 'completion' as const, prompt: 'p' }, texts: [], tasks: ['geo'], cached: false };
    for (let index = 1; index <= 100; index += 1) applyEvent(state, { ...call, time: index, startedAt: 0, endedAt: index * 10 });
    applyEvent(state, { ...base, type: 'admission-change', time: 5, engine: 'generator: fake/m', state: { concurrency: 3, maxConcurrency: 4, active: 2, queued: 7, pausedUntil: 9000, successRun: 0, rpm: undefined, rpmAvailable: undefined, tpm: 6000, tpmAvailable: 10, tokensPerRequest: 5 } });
    const snapshot = monitorSnapshot(state, 10);
    expect(snapshot.tasks[0]!.rejects).toEqual([
      { block: 'dedup', code: 'duplicate', count: 2 },
      { block: 'generator', code: 'parse_failed', count: 1 },
    ]);
    const engine = snapshot.engines[0]!;
    expect(engine.latencyMs!.p50).toBeGreaterThanOrEqual(500);
    expect(engine.latencyMs!.p50).toBeLessThanOrEqual(510);
    expect(engine.latencyMs!.p99).toBeGreaterThanOrEqual(990);
    expect(engine.admission).toEqual({ concurrency: 3, maxConcurrency: 4, active: 2, queued: 7, pausedUntil: 9000, rpm: null, tpm: 6000, time: 5 });
    expect(JSON.parse(JSON.stringify(snapshot))).toEqual(snapshot);
  });
});
