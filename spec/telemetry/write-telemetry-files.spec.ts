import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import type { AdmissionState } from '../../lib/model/admission-config.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import type { ModelCallEvent, RunEvent } from '../../lib/telemetry/run-event.ts';
import type { TelemetrySettings } from '../../lib/telemetry/telemetry-settings.ts';
import { writeTelemetryFiles } from '../../lib/telemetry/write-telemetry-files.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { runWithTelemetry } from './telemetry-run.ts';

function settingsIn(dir: string, more: Partial<TelemetrySettings> = {}): TelemetrySettings {
  return { disabled: false, dir, recordPayloads: false, payloadMaxChars: 4096, ...more };
}

/** Answers that repeat a question every other call (the dedupe rejects the repeat) and fail the fifth call. */
function answers(_request: unknown, index: number): string {
  if (index === 4) throw new Error('refused by http://user:secret@10.0.0.1:8000/v1');
  return `Question: Where is place ${Math.floor(index / 2)}?\nAnswer: There.`;
}

const ids = { runId: 'run-1', buildId: 'exp' };
const start = Date.parse('2026-01-15T10:00:00.000Z');

/** A model call of the `generator` block ending at `start + endMs`. */
function modelCall(endMs: number, fields: Partial<ModelCallEvent> = {}): ModelCallEvent {
  return {
    ...ids,
    type: 'model-call-end',
    time: start + endMs,
    block: 'generator',
    usageKey: 'generator: fake/fake-model',
    provider: 'fake',
    model: 'fake-model',
    startedAt: start + endMs - 5,
    endedAt: start + endMs,
    cached: false,
    promptTokens: 10,
    completionTokens: 2,
    request: { method: 'chat', messages: [{ role: 'user', content: 'Write a pair.' }], temperature: 0 },
    texts: ['Question: Q?\nAnswer: A.'],
    tasks: ['geo'],
    ...fields,
  };
}

/** The run's start and the task's start, at `start`. */
const opening: RunEvent[] = [
  { ...ids, type: 'run-start', time: start, tasks: [{ task: 'geo', target: 3 }] },
  { ...ids, type: 'task-start', time: start, task: 'geo', target: 3, taskRunId: 'task-run-1' },
];

describe('writeTelemetryFiles', () => {
  test('a real run: events.jsonl has its lifecycle and one line per rejected record, in DGT shape', async () => {
    const out = tempDir();
    const dir = join(tempDir(), 'telemetry');
    let files: ReturnType<typeof writeTelemetryFiles> | undefined;
    await runWithTelemetry({ outputDir: out, answers, read: (telemetry) => (files = writeTelemetryFiles(telemetry.events, settingsIn(dir))) });
    await files!.done;
    const taskRunId = readLines<TaskResult>(join(out, 'geo', 'task_results.jsonl'))[0]!.run_id;
    const events = readLines(join(dir, 'events.jsonl'));
    expect(events.map((line) => line['event'])).toEqual(['run_started', 'task_started', 'data_point_rejected', 'data_point_rejected', 'data_point_rejected', 'task_finished', 'run_finished']);
    for (const line of events) {
      expect(Object.keys(line).slice(0, 6)).toEqual(['timestamp', 'event', 'level', 'message', 'build_id', 'run_id']);
      expect(new Date(line['timestamp'] as string).toISOString()).toBe(line['timestamp']);
      expect(line['build_id']).toBe('exp');
    }
    expect(events[0]).toMatchObject({ level: 'INFO', run_id: 'run-1', task_names: ['geo'], targets: { geo: 3 } });
    // A task's lines carry the task's run id, as task_results.jsonl does: DGT's tools join on it.
    expect(events.slice(1, 6).every((line) => line['run_id'] === taskRunId)).toBe(true);
    expect(events[1]).toMatchObject({ task_name: 'geo', target: 3 });
    const rejections = events.filter((line) => line['event'] === 'data_point_rejected');
    expect(rejections.map((line) => `${String(line['block_name'])}/${String(line['reason'])}`).sort()).toEqual(['dedup/duplicate', 'dedup/duplicate', 'generator/lm_call_failed']);
    const failed = rejections.find((line) => line['reason'] === 'lm_call_failed')!;
    expect(failed).toMatchObject({ task_name: 'geo', message: "Data point rejected by block 'generator'", issues: [{ block: 'generator', code: 'lm_call_failed' }] });
    expect(JSON.stringify(events)).not.toContain('secret');
    expect(events[5]).toMatchObject({ level: 'INFO', task_name: 'geo', status: 'completed', reason: 'complete', metrics: { 'Number of data produced': 3 } });
    expect(events[6]).toMatchObject({ level: 'INFO', run_id: 'run-1', status: 'completed', message: 'Run finished: completed' });
  });

  test('a real run: traces.jsonl has a span per LM call under its block, the blocks under the task, the task under the run', async () => {
    const dir = tempDir();
    let files: ReturnType<typeof writeTelemetryFiles> | undefined;
    const { model } = await runWithTelemetry({ outputDir: tempDir(), answers, read: (telemetry) => (files = writeTelemetryFiles(telemetry.events, settingsIn(dir))) });
    await files!.done;
    const spans = readLines(join(dir, 'traces.jsonl'));
    const named = (name: string) => spans.filter((span) => span['span_name'] === name);
    const [run] = named('dgt.run');
    const [task] = named('dgt.task');
    const calls = named('dgt.llm_call');
    expect(spans.at(-1)).toBe(run);
    expect(run).toMatchObject({ build_id: 'exp', run_id: 'run-1', parent_span_name: null, parent_span_id: null, status: 'ok', task_names: 'geo', task_count: 1 });
    expect(task).toMatchObject({ parent_span_name: 'dgt.run', parent_span_id: run!['span_id'], status: 'ok', task_name: 'geo', task_status: 'completed', reason: 'complete', records: 3, rejected: 3 });
    const blocks = Object.fromEntries(named('dgt.block').map((span) => [span['block_name'], span]));
    expect(Object.keys(blocks).sort()).toEqual(['dedup', 'generator']);
    const tokens = calls.reduce((sum, call) => sum + (call['prompt_tokens'] as number), 0);
    expect(blocks['generator']).toMatchObject({ parent_span_id: task!['span_id'], run_id: task!['run_id'], status: 'ok', calls: model.calls.length, failed_calls: 1, cached_calls: 0, prompt_tokens: tokens, rejections: 1, rejections_by_code: { lm_call_failed: 1 } });
    expect(blocks['dedup']).toMatchObject({ parent_span_id: task!['span_id'], calls: 0, rejections: 2, rejections_by_code: { duplicate: 2 } });
    expect(calls).toHaveLength(model.calls.length);
    for (const call of calls) {
      expect(call).toMatchObject({ parent_span_name: 'dgt.block', parent_span_id: blocks['generator']!['span_id'], run_id: task!['run_id'], provider: 'fake', model_id: 'fake-model', block: 'generator', method: 'chat_completion', batch_size: 1, task_names: ['geo'] });
      expect(call['duration_ms']).toBe(Date.parse(call['end_time'] as string) - Date.parse(call['start_time'] as string));
      expect(call).not.toHaveProperty('messages');
      expect(call).not.toHaveProperty('completion');
    }
    expect(calls.filter((call) => call['status'] === 'error')).toEqual([expect.objectContaining({ error: 'refused by http://***@10.0.0.1:8000/v1' })]);
    // Each span lies within its parent's time.
    for (const span of spans.filter((line) => line['parent_span_id'] !== null)) {
      const parent = spans.find((line) => line['span_id'] === span['parent_span_id'])!;
      expect(Date.parse(span['end_time'] as string)).toBeLessThanOrEqual(Date.parse(parent['end_time'] as string));
    }
  });

  test('calls of an engine the tasks share are children of the run span, with the run id', async () => {
    const dir = tempDir();
    let files: ReturnType<typeof writeTelemetryFiles> | undefined;
    await runWithTelemetry({ outputDir: tempDir(), tasks: ['geo/a', 'geo/b'], target: 1, answers: (_request, index) => `Question: Q${index}?\nAnswer: A.`, read: (telemetry) => (files = writeTelemetryFiles(telemetry.events, settingsIn(dir))) });
    await files!.done;
    const spans = readLines(join(dir, 'traces.jsonl'));
    const run = spans.find((span) => span['span_name'] === 'dgt.run')!;
    const calls = spans.filter((span) => span['span_name'] === 'dgt.llm_call');
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls.every((call) => call['parent_span_id'] === run['span_id'] && call['run_id'] === 'run-1' && String(call['task_names']) === 'geo/a,geo/b')).toBe(true);
    expect(spans.filter((span) => span['span_name'] === 'dgt.task').map((span) => span['task_name']).sort()).toEqual(['geo/a', 'geo/b']);
    expect(spans.filter((span) => span['span_name'] === 'dgt.block')).toEqual([]);
  });

  test('payloads only when asked: credentials hidden first, then each text cut to the limit and flagged', async () => {
    const dir = tempDir();
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir, { recordPayloads: true, payloadMaxChars: 30 }));
    for (const event of opening) events.next(event);
    events.next(modelCall(10, { request: { method: 'completion', prompt: 'Fetch http://alice:hunter2@example.com/data and more' }, texts: ['short'] }));
    events.next(modelCall(20, { request: { method: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'x'.repeat(40) }] }, texts: ['one', 'y'.repeat(31)] }));
    events.next(modelCall(30, { texts: ['fits'] }));
    events.complete();
    await files.done;
    const [completion, chat, fits] = readLines(join(dir, 'traces.jsonl')).filter((span) => span['span_name'] === 'dgt.llm_call');
    expect(completion).toMatchObject({ method: 'completion', prompt: 'Fetch http://***@example.com/d', completion: 'short', payload_truncated: true });
    expect(chat).toMatchObject({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'x'.repeat(30) }], completion: ['one', 'y'.repeat(30)], payload_truncated: true });
    expect(fits).toMatchObject({ messages: [{ role: 'user', content: 'Write a pair.' }], completion: 'fits' });
    expect(fits).not.toHaveProperty('payload_truncated');
    expect(readLines(join(dir, 'traces.jsonl')).map((line) => JSON.stringify(line)).join()).not.toContain('hunter2');
  });

  test('an LM call line is the JSON of DGT\'s span fields, then its attributes in order, then its error', async () => {
    for (const recordPayloads of [false, true]) {
      const dir = tempDir();
      const events = new Subject<RunEvent>();
      const files = writeTelemetryFiles(events, settingsIn(dir, { recordPayloads }));
      for (const event of opening) events.next(event);
      const request = { method: 'chat', messages: [{ role: 'user', content: 'Say "hi"' }], temperature: 0.5, n: 2, maxTokens: 64 } as const;
      // Asked at 5 ms, sent to the model at 7 (2 ms waiting for admission), failed at 10.
      events.next(modelCall(10, { usageKey: 'generator: fake/"quoted" ü', cached: true, request, texts: ['a', 'b'], error: 'boom "quoted"', calledAt: start + 7 }));
      events.next(modelCall(20, { request: { method: 'completion', prompt: 'Write.' } }));
      // The same engine's call, its list of tasks grown in place: the line names both.
      const tasks = ['geo'];
      events.next(modelCall(30, { request: { method: 'completion', prompt: 'Write.' }, tasks }));
      tasks.push('geo/b');
      events.next(modelCall(40, { request: { method: 'completion', prompt: 'Write.' }, tasks }));
      events.complete();
      await files.done;
      const lines = readFileSync(join(dir, 'traces.jsonl'), 'utf8').split('\n').filter((line) => line.includes('"dgt.llm_call"'));
      const [failed, plain, ...more] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(more.map((line) => line['task_names'])).toEqual([['geo'], ['geo', 'geo/b']]);
      const spanFields = ['span_name', 'build_id', 'run_id', 'start_time', 'end_time', 'duration_ms', 'parent_span_name', 'status', 'span_id', 'parent_span_id'];
      const attributes = ['provider', 'model_id', 'method', 'batch_size', 'block', 'usage_key', 'task_names', 'cached', 'prompt_tokens', 'completion_tokens', 'semaphore_wait_ms'];
      const payloads = recordPayloads ? ['messages', 'completion'] : [];
      expect(Object.keys(failed!)).toEqual([...spanFields, ...attributes, 'temperature', 'n', 'max_tokens', ...payloads, 'error']);
      expect(Object.keys(plain!)).toEqual([...spanFields, ...attributes, ...(recordPayloads ? ['prompt', 'completion'] : [])]);
      // Written as JSON.stringify writes the object: no other spacing, escapes or number forms.
      expect(lines).toEqual([failed, plain, ...more].map((line) => JSON.stringify(line)));
      // As DGT's: the span is the model's latency, the wait before it an attribute.
      expect(failed).toMatchObject({ status: 'error', usage_key: 'generator: fake/"quoted" ü', cached: true, temperature: 0.5, n: 2, max_tokens: 64, error: 'boom "quoted"' });
      expect(failed).toMatchObject({ start_time: '2026-01-15T10:00:00.007Z', end_time: '2026-01-15T10:00:00.010Z', duration_ms: 3, semaphore_wait_ms: 2 });
      // An event that does not say when the model was called (made by another producer): all of it is the model's.
      expect(plain).toMatchObject({ method: 'completion', status: 'ok', task_names: ['geo'], prompt_tokens: 10, completion_tokens: 2, duration_ms: 5, semaphore_wait_ms: 0 });
    }
  });

  test('LM call lines with names outside ASCII are written as UTF-8, beside ASCII ones in the same buffer', async () => {
    const dir = tempDir();
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir));
    events.next({ ...ids, type: 'run-start', time: start, tasks: [{ task: 'géo', target: 3 }] });
    events.next({ ...ids, type: 'task-start', time: start, task: 'géo', target: 3, taskRunId: 'task-run-ü' });
    const calls = [
      modelCall(10, { tasks: ['géo'] }),
      modelCall(20, { tasks: ['géo'], block: 'générateur', usageKey: 'générateur: fake/fake-model' }),
      modelCall(30, { tasks: ['géo'], model: '模型' }),
      modelCall(40, { tasks: ['géo'], buildId: 'exp-😀' }),
      modelCall(50, { tasks: ['geo'], error: 'refusé' }),
      modelCall(60, { tasks: ['geo'] }),
    ];
    for (const call of calls) events.next(call);
    events.complete();
    await files.done;
    const lines = readFileSync(join(dir, 'traces.jsonl'), 'utf8').split('\n').filter((line) => line.includes('"dgt.llm_call"'));
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual(parsed.map((line) => JSON.stringify(line)));
    expect(parsed.map((line) => [line['block'], line['model_id'], line['build_id'], line['task_names'], line['run_id'], line['error']])).toEqual([
      ['generator', 'fake-model', 'exp', ['géo'], 'task-run-ü', undefined],
      ['générateur', 'fake-model', 'exp', ['géo'], 'task-run-ü', undefined],
      ['generator', '模型', 'exp', ['géo'], 'task-run-ü', undefined],
      ['generator', 'fake-model', 'exp-😀', ['géo'], 'task-run-ü', undefined],
      ['generator', 'fake-model', 'exp', ['geo'], 'run-1', 'refusé'],
      ['generator', 'fake-model', 'exp', ['geo'], 'run-1', undefined],
    ]);
  });

  test('spans still open when the events end are written as cancelled, each ending at the last event', async () => {
    const dir = tempDir();
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir));
    for (const event of opening) events.next(event);
    events.next(modelCall(50));
    events.complete();
    await files.done;
    const spans = readLines(join(dir, 'traces.jsonl'));
    expect(spans.map((span) => [span['span_name'], span['status'], span['end_time']])).toEqual([
      ['dgt.llm_call', 'ok', '2026-01-15T10:00:00.050Z'],
      ['dgt.block', 'cancelled', '2026-01-15T10:00:00.050Z'],
      ['dgt.task', 'cancelled', '2026-01-15T10:00:00.050Z'],
      ['dgt.run', 'cancelled', '2026-01-15T10:00:00.050Z'],
    ]);
    expect(spans[1]).toMatchObject({ start_time: '2026-01-15T10:00:00.045Z', duration_ms: 5 });
    expect(readLines(join(dir, 'events.jsonl')).map((line) => line['event'])).toEqual(['run_started', 'task_started']);
  });

  test('unsubscribe stops reading: open spans are written as cancelled and done resolves', async () => {
    const dir = tempDir();
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir));
    for (const event of opening) events.next(event);
    files.unsubscribe();
    events.next(modelCall(50));
    await files.done;
    expect(readLines(join(dir, 'traces.jsonl')).map((span) => [span['span_name'], span['status']])).toEqual([
      ['dgt.task', 'cancelled'],
      ['dgt.run', 'cancelled'],
    ]);
  });

  test('a failed run is `run_errored`, its span an error; a cancelled task ends its blocks as cancelled', async () => {
    const dir = tempDir();
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir));
    const result: TaskResult = { task_name: 'geo', run_id: 'task-run-1', build_id: 'exp', process_id: 1, status: 'cancelled', start_time: new Date(start).toISOString() };
    for (const event of opening) events.next(event);
    events.next(modelCall(10));
    events.next({ ...ids, type: 'task-log', time: start + 11, task: 'geo', level: 'WARNING', message: 'repaired after a crash: see https://h/x?api_key=K' });
    events.next({ ...ids, type: 'task-end', time: start + 12, task: 'geo', result });
    events.next({ ...ids, type: 'run-end', time: start + 13, status: 'failed' });
    events.complete();
    await files.done;
    const spans = readLines(join(dir, 'traces.jsonl'));
    expect(spans.map((span) => [span['span_name'], span['status']])).toEqual([
      ['dgt.llm_call', 'ok'],
      ['dgt.block', 'cancelled'],
      ['dgt.task', 'cancelled'],
      ['dgt.run', 'error'],
    ]);
    expect(spans[3]).toMatchObject({ error: 'the run failed' });
    const lines = readLines(join(dir, 'events.jsonl'));
    expect(lines.map((line) => [line['event'], line['level']])).toEqual([
      ['run_started', 'INFO'],
      ['task_started', 'INFO'],
      ['task_warning', 'WARNING'],
      ['task_finished', 'WARNING'],
      ['run_errored', 'ERROR'],
    ]);
    expect(lines[2]).toMatchObject({ run_id: 'task-run-1', task_name: 'geo', message: 'repaired after a crash: see https://h/x?api_key=***' });
  });

  test('an admission change is an event; requests merely starting and ending are not', async () => {
    const dir = tempDir();
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir));
    const state: AdmissionState = { concurrency: 4, maxConcurrency: 8, active: 0, queued: 0, pausedUntil: undefined, successRun: 0, rpm: undefined, rpmAvailable: undefined, tpm: undefined, tpmAvailable: undefined, tokensPerRequest: 0 };
    const admission = (time: number, more: Partial<AdmissionState>): RunEvent => ({ ...ids, type: 'admission-change', time: start + time, engine: 'generator: fake/fake-model', state: { ...state, ...more } });
    events.next(admission(0, {}));
    events.next(admission(1, { active: 3, queued: 2 }));
    events.next(admission(2, { concurrency: 2, pausedUntil: start + 5000 }));
    events.complete();
    await files.done;
    expect(readLines(join(dir, 'events.jsonl'))).toEqual([
      expect.objectContaining({ event: 'admission_changed', level: 'WARNING', engine: 'generator: fake/fake-model', concurrency: 2, max_concurrency: 8, paused_until: '2026-01-15T10:00:05.000Z' }),
    ]);
  });

  test('disabled: nothing read or written, the folder never made', async () => {
    const dir = join(tempDir(), 'telemetry');
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir, { disabled: true }));
    expect(events.observed).toBe(false);
    await files.done;
    expect(existsSync(dir)).toBe(false);
  });

  test('a folder that cannot be made rejects done with a DatastoreError; the events are still read to their end', async () => {
    const parent = tempDir();
    writeFileSync(join(parent, 'telemetry'), 'a file');
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(join(parent, 'telemetry')));
    for (const event of opening) events.next(event);
    expect(events.observed).toBe(true);
    events.complete();
    const error = await files.done.then(() => undefined, (failure: unknown) => failure);
    expect(DatastoreError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(join(parent, 'telemetry', 'events.jsonl'));
  });

  test('the files rotate at the size given', async () => {
    const dir = tempDir();
    const events = new Subject<RunEvent>();
    const files = writeTelemetryFiles(events, settingsIn(dir), { maxBytes: 200 });
    for (const event of opening) events.next(event);
    for (const at of [10, 20, 30]) events.next(modelCall(at));
    events.complete();
    await files.done;
    const names = readdirSync(dir);
    expect(names.filter((name) => /^traces\..+\.jsonl$/.test(name) && name !== 'traces.jsonl').length).toBeGreaterThan(0);
    expect(names.filter((name) => /^events\..+\.jsonl$/.test(name) && name !== 'events.jsonl').length).toBeGreaterThan(0);
  });
});
