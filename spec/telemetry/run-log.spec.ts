import { Subject } from 'rxjs';
import { describe, expect, test } from 'vitest';
import type { TaskResult } from '../../lib/store/task-result.ts';
import type { RunEvent } from '../../lib/telemetry/run-event.ts';
import { type RunLogOptions, createRunLog, logLevelOf } from '../../lib/telemetry/run-log.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { runWithTelemetry } from './telemetry-run.ts';

/** A stream that keeps what is written. */
function memoryStream(): { readonly stream: RunLogOptions['stream']; readonly text: () => string; readonly lines: () => string[] } {
  const chunks: string[] = [];
  return { stream: { write: (chunk: string) => chunks.push(chunk) }, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

/** Answers that repeat a question every other call (the dedupe rejects the repeat) and fail the fifth call. */
function answers(_request: unknown, index: number): string {
  if (index === 4) throw new Error('refused by http://user:secret@10.0.0.1:8000/v1');
  return `Question: Where is place ${Math.floor(index / 2)}?\nAnswer: There.`;
}

/** A real run logged at `level` in `format`: the lines written, and how many model calls the run made. */
async function logRun(level: RunLogOptions['level'], format: RunLogOptions['format']) {
  const output = memoryStream();
  const log = createRunLog({ level, format, stream: output.stream });
  const { model } = await runWithTelemetry({ outputDir: tempDir(), answers, read: (telemetry) => log.observe(telemetry.events) });
  return { lines: output.lines(), calls: model.calls.length };
}

const ids = { runId: 'run-1', buildId: 'exp' };

describe('RunLog.showsModelCalls', () => {
  test('a model call can make a line at info (a failed one) and debug, not above', () => {
    const shows = (['debug', 'info', 'warn', 'error', 'silent'] as const).map((level) => createRunLog({ level, format: 'text', stream: memoryStream().stream }).showsModelCalls);
    expect(shows).toEqual([true, true, false, false, false]);
  });
});

describe('logLevelOf', () => {
  test('--debug is debug (over --quiet); --quiet is error; no flag is warn', () => {
    expect(logLevelOf({})).toBe('warn');
    expect(logLevelOf({ quiet: true })).toBe('error');
    expect(logLevelOf({ debug: true })).toBe('debug');
    expect(logLevelOf({ debug: true, quiet: true })).toBe('debug');
  });
});

describe('createRunLog', () => {
  test('text at warn (the default): nothing for a run without warnings (a failed call is a rejected input, at info)', async () => {
    const { lines } = await logRun('warn', 'text');
    expect(lines).toEqual([]);
  });

  test('text at info: each task’s start and end too', async () => {
    const { lines } = await logRun('info', 'text');
    expect(lines).toEqual([
      'rxdgt: geo: started: 3 records to make',
      'rxdgt: geo: generator: fake/fake-model: call failed: refused by http://***@10.0.0.1:8000/v1',
      'rxdgt: geo: completed: 3 of 3 records made',
    ]);
  });

  test('text at debug: one line per model call, with its tokens and time', async () => {
    const { lines, calls } = await logRun('debug', 'text');
    const callLines = lines.filter((line) => line.startsWith('rxdgt: geo: generator: fake/fake-model: '));
    expect(callLines).toHaveLength(calls);
    expect(callLines.filter((line) => /: \d+\+\d+ tokens in \d+ ms( \(after \d+ ms waiting for admission\))?$/.test(line))).toHaveLength(calls - 1);
  });

  test("a model call's time is the model's, and the wait for admission before it is said apart (DGT's semaphore wait)", () => {
    const text = memoryStream();
    const json = memoryStream();
    const events = new Subject<RunEvent>();
    createRunLog({ level: 'debug', format: 'text', stream: text.stream }).observe(events);
    createRunLog({ level: 'debug', format: 'json', stream: json.stream }).observe(events);
    const call = { ...ids, type: 'model-call-end', time: 80, block: 'generator', usageKey: 'generator: fake/m', provider: 'fake', model: 'm', cached: false, promptTokens: 7, completionTokens: 3, request: { method: 'completion', prompt: 'p' }, texts: ['a'], tasks: ['geo'] } as const;
    events.next({ ...call, startedAt: 0, calledAt: 30, endedAt: 80 });
    events.next({ ...call, startedAt: 100, calledAt: 100, endedAt: 120 });
    events.complete();
    expect(text.lines()).toEqual(['rxdgt: geo: generator: fake/m: 7+3 tokens in 50 ms (after 30 ms waiting for admission)', 'rxdgt: geo: generator: fake/m: 7+3 tokens in 20 ms']);
    expect(json.lines().map((line) => JSON.parse(line) as Record<string, unknown>)).toMatchObject([
      { duration_ms: 50, semaphore_wait_ms: 30 },
      { duration_ms: 20, semaphore_wait_ms: 0 },
    ]);
  });

  test('json: one pino line per message with its level, time, task, event, run and build ids', async () => {
    const { lines, calls } = await logRun('debug', 'json');
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((entry) => `${String(entry['level'])} ${String(entry['event'])}`)).toEqual([
      'info task_started',
      ...Array.from({ length: calls }, (_, index) => (index === 4 ? 'info model_call' : 'debug model_call')),
      'info task_finished',
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ task: 'geo', build_id: 'exp' });
      expect(typeof entry['msg']).toBe('string');
      expect(new Date(entry['time'] as string).toISOString()).toBe(entry['time']);
      expect(entry).not.toHaveProperty('pid');
      expect(entry).not.toHaveProperty('hostname');
    }
    expect(entries[0]).toMatchObject({ msg: 'started: 3 records to make', target: 3 });
    expect(entries.at(-1)).toMatchObject({ msg: 'completed: 3 of 3 records made', status: 'completed', reason: 'complete' });
    expect(entries.at(-1)!['run_id']).toBe(entries[0]!['run_id']);
    expect(entries[5]).toMatchObject({ block: 'generator', provider: 'fake', model: 'fake-model', error: 'refused by http://***@10.0.0.1:8000/v1', prompt_tokens: 0 });
    expect(lines.join('\n')).not.toContain('secret');
  });

  test('a task’s warnings are warn, a resume info, its end info (the summary says why it failed); the task’s own start and end lines are not repeated', () => {
    const events = new Subject<RunEvent>();
    const output = memoryStream();
    createRunLog({ level: 'info', format: 'text', stream: output.stream }).observe(events);
    const errored: TaskResult = { task_name: 'geo', run_id: 'task-run-1', build_id: 'exp', process_id: 1, status: 'errored', message: 'cannot reach https://h/v1?api_key=K', start_time: '' };
    events.next({ ...ids, type: 'task-log', time: 1, task: 'geo', level: 'INFO', message: 'run started', event: 'run_started' });
    events.next({ ...ids, type: 'task-log', time: 2, task: 'geo', level: 'INFO', message: 'resuming: 2 records already made', event: 'run_resumed' });
    events.next({ ...ids, type: 'task-log', time: 3, task: 'geo', level: 'WARNING', message: 'took over the lock of process 12 on box' });
    events.next({ ...ids, type: 'task-end', time: 4, task: 'geo', result: errored });
    events.next({ ...ids, type: 'task-log', time: 5, task: 'geo', level: 'ERROR', message: 'errored: cannot reach https://h/v1?api_key=K', event: 'run_finished' });
    expect(output.lines()).toEqual([
      'rxdgt: geo: resuming: 2 records already made',
      'rxdgt: geo: took over the lock of process 12 on box',
      'rxdgt: geo: errored: cannot reach https://h/v1?api_key=***',
    ]);
  });

  test('at error only a task’s ERROR lines are written; silent writes nothing', () => {
    const events = new Subject<RunEvent>();
    const atError = memoryStream();
    const silent = memoryStream();
    createRunLog({ level: 'error', format: 'json', stream: atError.stream }).observe(events);
    createRunLog({ level: 'silent', format: 'text', stream: silent.stream }).observe(events);
    events.next({ ...ids, type: 'task-log', time: 1, task: 'geo', level: 'WARNING', message: 'repaired after a crash' });
    events.next({ ...ids, type: 'task-end', time: 2, task: 'geo', result: { task_name: 'geo', run_id: 'r', build_id: 'exp', process_id: 1, status: 'failed', message: 'no records', start_time: '' } });
    events.next({ ...ids, type: 'task-log', time: 3, task: 'geo', level: 'ERROR', message: 'cannot write formatted_data.jsonl', event: 'output_failed' });
    expect(atError.lines().map((line) => JSON.parse(line) as unknown)).toEqual([expect.objectContaining({ level: 'error', event: 'output_failed', msg: 'cannot write formatted_data.jsonl', task: 'geo' })]);
    expect(silent.text()).toBe('');
  });
});
