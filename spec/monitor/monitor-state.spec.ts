import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { monitorSnapshot } from '../../lib/monitor/monitor-snapshot.ts';
import { applyEvent, emptyMonitorState, samplesPerTask } from '../../lib/monitor/monitor-state.ts';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { geographyTask, runWithEvents } from './monitor-fixtures.ts';

const base = { runId: 'run-1', buildId: 'exp' };
const lines = (path: string): unknown[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);

function settled(time: number, accepted: number, extra: Partial<Extract<RunEvent, { type: 'input-end' }>> = {}): RunEvent {
  return { ...base, type: 'input-end', time, task: 'geo', records: [{ question: `Q${accepted}` }], rejections: [], usage: undefined, accepted, rejected: 0, attempts: accepted, ...extra };
}

describe('applyEvent', () => {
  it('adds up a real run: records, rejects by block and code, usage, latencies and admission', async () => {
    const dir = tempDir();
    const geo = geographyTask(dir, 'geo', 12);
    const events = await runWithEvents([geo]);
    const state = events.reduce(applyEvent, emptyMonitorState());
    const task = state.tasks.get('geo')!;
    const folder = join(dir, 'geo');
    const result = lines(join(folder, 'task_results.jsonl'))[0] as TaskResult;
    expect(state.status).toBe('completed');
    expect(task.status).toBe('completed');
    expect(task.accepted).toBe(lines(join(folder, 'data.jsonl')).length);
    expect(task.accepted).toBe(12);
    const onDisk = Object.fromEntries(readdirSync(join(folder, 'blocks')).map((file) => [file.replace('.jsonl', ''), lines(join(folder, 'blocks', file)).length]));
    expect(task.rejected).toBe(Object.values(onDisk).reduce((sum, count) => sum + count, 0));
    expect(Object.fromEntries([...task.rejects].map(([block, codes]) => [block, Object.fromEntries(codes)]))).toEqual({
      generator: { parse_failed: onDisk['generator'] },
      dedup: { duplicate: onDisk['dedup'] },
    });
    expect(task.usage).toEqual({
      calls: result.metrics!['lm_calls'],
      cachedCalls: result.metrics!['lm_calls_cached'],
      promptTokens: result.metrics!['prompt_tokens'],
      completionTokens: result.metrics!['completion_tokens'],
      costUsd: 0,
    });
    expect(task.acceptedSamples).toHaveLength(samplesPerTask);
    expect(task.rejectedSamples.length).toBeGreaterThan(0);
    expect(task.rejectedSamples.every((sample) => (sample.issues?.length ?? 0) > 0)).toBe(true);
    const engine = state.engines.get('generator: fake/fake-model')!;
    expect(engine.calls).toBe(geo.model.calls.length);
    expect(engine.latency.count).toBe(geo.model.calls.length);
    expect(engine.admission).toMatchObject({ maxConcurrency: 4 });
  });

  it('counts cached and failed calls apart from the latencies', () => {
    const call = { ...base, type: 'model-call-end' as const, block: 'generator', usageKey: 'generator: fake/m', provider: 'fake', model: 'm', promptTokens: 1, completionTokens: 1, request: { method: 'completion' as const, prompt: 'p' }, texts: [], tasks: ['geo'] };
    const state = [
      { ...call, time: 1, startedAt: 0, endedAt: 120, cached: false },
      { ...call, time: 2, startedAt: 0, endedAt: 0, cached: true },
      { ...call, time: 3, startedAt: 0, endedAt: 900, cached: false, error: 'HTTP 500' },
    ].reduce<ReturnType<typeof emptyMonitorState>>((into, event) => applyEvent(into, event), emptyMonitorState());
    expect(state.engines.get('generator: fake/m')).toMatchObject({ calls: 1, cachedCalls: 1, failedCalls: 1 });
    expect(state.engines.get('generator: fake/m')!.latency.max).toBe(120);
  });

  it("takes a call's latency from when it reached the model, as the traces' duration_ms: the wait for admission is not the endpoint's", () => {
    const call = { ...base, type: 'model-call-end' as const, block: 'generator', usageKey: 'generator: fake/m', provider: 'fake', model: 'm', promptTokens: 1, completionTokens: 1, request: { method: 'completion' as const, prompt: 'p' }, texts: [], tasks: ['geo'], cached: false };
    const state = [
      { ...call, time: 1, startedAt: 0, calledAt: 900, endedAt: 1000 },
      { ...call, time: 2, startedAt: 0, calledAt: 10, endedAt: 50 },
    ].reduce<ReturnType<typeof emptyMonitorState>>((into, event) => applyEvent(into, event), emptyMonitorState());
    expect(state.engines.get('generator: fake/m')!.latency).toMatchObject({ count: 2, min: 40, max: 100, sum: 140 });
  });

  it('adds a resumed run to what the folders held, and starts over on a restart', () => {
    const state = emptyMonitorState();
    const task = { ...state, tasks: state.tasks };
    // What a read of the folders found: 10 records, 4 rejections.
    const geo = (applyEvent(task, { ...base, type: 'run-start', time: 0, tasks: [{ task: 'geo', target: 20 }] }), state.tasks.get('geo')!);
    Object.assign(geo, { accepted: 10, rejected: 4, attempts: 14 });
    geo.rejects.set('dedup', new Map([['duplicate', 4]]));
    applyEvent(state, { ...base, type: 'task-start', time: 1000, task: 'geo', target: 20, taskRunId: 't' });
    applyEvent(state, settled(2000, 11, { rejected: 1, attempts: 2, rejections: [{ record: {}, issues: [{ code: 'parse_failed', message: 'm', block: 'generator' }] }] }));
    expect(geo).toMatchObject({ accepted: 11, rejected: 5, attempts: 16, restored: 10, status: 'running' });
    expect(geo.rejects.get('dedup')?.get('duplicate')).toBe(4);
    expect(geo.points[0]).toEqual([1000, 10]);

    // The same folders run again with --restart: the first input finds no record before it.
    applyEvent(state, { ...base, type: 'task-start', time: 5000, task: 'geo', target: 20, taskRunId: 't2' });
    applyEvent(state, settled(6000, 1));
    expect(geo).toMatchObject({ accepted: 1, rejected: 0, attempts: 1, restored: 0 });
    expect(geo.rejects.size).toBe(0);
  });

  it('takes a finished task\'s status, end and totals from its result', () => {
    const state = emptyMonitorState();
    applyEvent(state, { ...base, type: 'task-start', time: 0, task: 'geo', target: 5, taskRunId: 't' });
    applyEvent(state, settled(10, 1, { usage: { calls: 1, cachedCalls: 0, promptTokens: 10, completionTokens: 2, costUsd: 0.5, byModel: {} } }));
    const result: TaskResult = {
      task_name: 'geo', run_id: 't', build_id: 'exp', process_id: 1, status: 'stalled', reason: 'stalled', message: 'stalled after 3 inputs',
      start_time: new Date(0).toISOString(), end_time: new Date(4000).toISOString(),
      metrics: { 'Number of data produced': 2, lm_calls: 4, lm_calls_cached: 1, prompt_tokens: 40, completion_tokens: 8, cost_usd: 2 },
    };
    applyEvent(state, { ...base, type: 'task-end', time: 4100, task: 'geo', result });
    applyEvent(state, { ...base, type: 'run-end', time: 4200, status: 'failed' });
    expect(state.tasks.get('geo')).toMatchObject({ status: 'stalled', reason: 'stalled', accepted: 2, endedAt: 4000, usage: { calls: 4, cachedCalls: 1, promptTokens: 40, completionTokens: 8, costUsd: 2 } });
    expect(state).toMatchObject({ status: 'failed', endedAt: 4200 });
  });

  it("tallies a distributed run's workers from the settled inputs, then takes the result's tallies", () => {
    const state = emptyMonitorState();
    applyEvent(state, { ...base, type: 'task-start', time: 0, task: 'geo', target: 5, taskRunId: 't' });
    applyEvent(state, settled(10, 1, { worker: 'a:1' }));
    applyEvent(state, settled(20, 1, { worker: 'b:2', records: [], rejections: [{ record: {}, issues: [{ code: 'duplicate', message: 'd', block: 'dedup' }] }] }));
    applyEvent(state, settled(30, 2, { worker: 'a:1' }));
    expect(monitorSnapshot(state, 40).tasks[0]!.workers).toEqual([
      { worker: 'a:1', inputs: 2, records: 2, rejected: 0 },
      { worker: 'b:2', inputs: 1, records: 0, rejected: 1 },
    ]);
    const result: TaskResult = {
      task_name: 'geo', run_id: 't', build_id: 'exp', process_id: 1, status: 'completed', start_time: new Date(0).toISOString(),
      workers: { 'a:1': { inputs: 3, records: 3, rejected: 0 }, 'c:3': { inputs: 2, records: 2, rejected: 0 } },
    };
    applyEvent(state, { ...base, type: 'task-end', time: 50, task: 'geo', result });
    expect(monitorSnapshot(state, 60).tasks[0]!.workers.map(({ worker }) => worker)).toEqual(['a:1', 'c:3']);
    // A new run of the task starts with no worker.
    applyEvent(state, { ...base, type: 'task-start', time: 100, task: 'geo', target: 5, taskRunId: 't2' });
    expect(monitorSnapshot(state, 110).tasks[0]!.workers).toEqual([]);
  });

  it('keeps a bounded number of progress points however many inputs settle', () => {
    const state = emptyMonitorState();
    applyEvent(state, { ...base, type: 'task-start', time: 0, task: 'geo', target: 100_000, taskRunId: 't' });
    for (let index = 1; index <= 20_000; index += 1) applyEvent(state, settled(index * 5, index));
    expect(state.tasks.get('geo')!.points.length).toBeLessThan(120);
  });
});
