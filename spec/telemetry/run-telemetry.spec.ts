import { describe, expect, test } from 'vitest';
import type { InputSettledEvent, ModelCallEvent, RunEvent } from '../../lib/telemetry/run-event.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { runWithTelemetry } from './telemetry-run.ts';

/** Answers that repeat a question every other call (the dedupe rejects the repeat) and fail the fifth call. */
function answers(_request: unknown, index: number): string {
  if (index === 4) throw new Error('the server went away: http://user:secret@10.0.0.1:8000/v1');
  return `Question: Where is place ${Math.floor(index / 2)}?\nAnswer: There.`;
}

describe('RunTelemetry', () => {
  test('a small run: its events in order, every one stamped with the run id, build id and time', async () => {
    const events: RunEvent[] = [];
    await runWithTelemetry({ outputDir: tempDir(), answers: (_request, index) => `Question: Q${index}?\nAnswer: A.`, read: (telemetry) => telemetry.events.subscribe((event) => events.push(event)) });
    const types = events.map(({ type }) => type);
    // The engine's first admission sample comes with `watch`, before the task opens.
    expect(types.slice(0, 2)).toEqual(['run-start', 'admission-change']);
    const lifecycle = types.filter((type) => type !== 'admission-change');
    // The task's `run_started` log line, then its start; at the end its result, its `run_finished` line, the run's end.
    expect(lifecycle.slice(0, 3)).toEqual(['run-start', 'task-log', 'task-start']);
    expect(lifecycle.slice(-3)).toEqual(['task-end', 'task-log', 'run-end']);
    expect(lifecycle.slice(3, -3).sort()).toEqual(['input-end', 'input-end', 'input-end', 'model-call-end', 'model-call-end', 'model-call-end']);
    // An input settles after its call.
    expect(lifecycle.indexOf('model-call-end')).toBeLessThan(lifecycle.indexOf('input-end'));
    expect(events.every((event) => event.runId === 'run-1' && event.buildId === 'exp' && Number.isFinite(event.time))).toBe(true);
    expect(events[0]).toMatchObject({ type: 'run-start', tasks: [{ task: 'geo', target: 3 }] });
    expect(events.find((event) => event.type === 'admission-change')).toMatchObject({ engine: 'generator: fake/fake-model', state: { concurrency: 1, active: 0, queued: 0 } });
    expect(events.find((event) => event.type === 'task-end')).toMatchObject({ task: 'geo', result: { status: 'completed', task_name: 'geo' } });
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'completed' });
  });

  test('one model_call per call, answered or failed, and the rejections of each input with their block and code', async () => {
    const events: RunEvent[] = [];
    const { model } = await runWithTelemetry({ outputDir: tempDir(), answers, read: (telemetry) => telemetry.events.subscribe((event) => events.push(event)) });
    const calls = events.filter((event): event is ModelCallEvent => event.type === 'model-call-end');
    expect(calls).toHaveLength(model.calls.length);
    for (const call of calls) {
      expect(call).toMatchObject({ block: 'generator', usageKey: 'generator: fake/fake-model', provider: 'fake', model: 'fake-model', cached: false, tasks: ['geo'] });
      expect(call.endedAt).toBeGreaterThanOrEqual(call.startedAt);
      expect(call.request.method).toBe('chat');
    }
    const failed = calls.filter((call) => call.error !== undefined);
    expect(failed).toHaveLength(1);
    // The message of a failed call keeps no credential.
    expect(failed[0]).toMatchObject({ error: 'the server went away: http://***@10.0.0.1:8000/v1', texts: [], promptTokens: 0 });
    expect(calls.filter((call) => call.error === undefined).every((call) => call.texts.length === 1 && call.promptTokens > 0)).toBe(true);

    const settled = events.filter((event): event is InputSettledEvent => event.type === 'input-end');
    const issues = settled.flatMap(({ rejections }) => rejections.flatMap((rejection) => rejection.issues.map(({ block, code }) => `${block}/${code}`)));
    expect(issues.sort()).toEqual(['dedup/duplicate', 'dedup/duplicate', 'generator/lm_call_failed']);
    expect(settled.at(-1)).toMatchObject({ task: 'geo', accepted: 3, rejected: 3 });
  });

  test('settledInputs false: no input-end event, the inner hooks still hear every input; the lifecycle is unchanged', async () => {
    const events: RunEvent[] = [];
    const heard: number[] = [];
    await runWithTelemetry({
      outputDir: tempDir(),
      answers: (_request, index) => `Question: Q${index}?\nAnswer: A.`,
      settledInputs: false,
      inner: { onSettle: (_settlement, progress) => heard.push(progress.accepted) },
      read: (telemetry) => telemetry.events.subscribe((event) => events.push(event)),
    });
    const types = events.map(({ type }) => type);
    expect(types).not.toContain('input-end');
    expect(types).toEqual(expect.arrayContaining(['run-start', 'task-start', 'model-call-end', 'task-end', 'run-end']));
    expect(heard).toEqual([1, 2, 3]);
  });

  test('tasks sharing a builder share its engine: each call names both tasks', async () => {
    const events: RunEvent[] = [];
    await runWithTelemetry({ outputDir: tempDir(), tasks: ['geo/a', 'geo/b'], target: 1, answers: (_request, index) => `Question: Q${index}?\nAnswer: A.`, read: (telemetry) => telemetry.events.subscribe((event) => events.push(event)) });
    const calls = events.filter((event): event is ModelCallEvent => event.type === 'model-call-end');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((call) => call.tasks.join() === 'geo/a,geo/b')).toBe(true);
    expect(events.filter((event) => event.type === 'task-end').map((event) => (event.type === 'task-end' ? event.task : '')).sort()).toEqual(['geo/a', 'geo/b']);
  });
});
