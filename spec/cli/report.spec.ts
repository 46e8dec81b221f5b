import { map } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunReport } from '../../lib/cli/report.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { createTask } from '../../lib/run/task.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import type { TaskProgress } from '../../lib/run/task-progress.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';

/** A write stream that keeps every chunk; `isTTY` decides between the live display and plain lines. */
function fakeStream(isTTY: boolean): { readonly stream: NodeJS.WriteStream; readonly chunks: string[] } {
  const chunks: string[] = [];
  const stream = { isTTY, write: (chunk: string) => (chunks.push(chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, chunks };
}

const geo = createTask({
  kind: 'generation',
  name: 'geo',
  seeds: [{ question: 'What is the capital of Peru?', answer: 'Lima.' }],
  builder: map((outcome: Outcome<GenerationInput>) => outcome as Outcome<DataPoint>),
  numOutputsToGenerate: 20,
  outputDir: 'unused',
});
const rate = createTask({
  kind: 'transformation',
  name: 'rate',
  data: [{ question: 'Q1?' }, { question: 'Q2?' }, { question: 'Q3?' }],
  builder: map((outcome: Outcome<DataPoint>) => outcome),
  outputDir: 'unused',
});

const startedAt = 1_000_000;

function progressOf(fields: Partial<TaskProgress> & { readonly calls?: number }): TaskProgress {
  const { calls = 0, ...rest } = fields;
  return {
    accepted: 0,
    restored: 0,
    rejected: 0,
    failures: 0,
    attempts: 0,
    sinceLastAccepted: 0,
    usage: { calls, cachedCalls: 0, promptTokens: 10 * calls, completionTokens: 2 * calls, costUsd: 0, byModel: {} },
    startedAt,
    now: startedAt,
    ...rest,
  };
}

function resultOf(task: string, status: TaskResult['status'], message?: string): TaskResult {
  return {
    task_name: task,
    run_id: 'run',
    build_id: 'exp',
    process_id: 1,
    status,
    ...(message ? { message } : {}),
    start_time: new Date(startedAt).toISOString(),
  };
}

/** The table lines of the output: from the header on. */
function tableLines(output: string): string[] {
  const lines = output.split('\n');
  return lines.slice(lines.findIndex((line) => line.startsWith('task ')));
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RunReport on a TTY', () => {
  it('redraws one live line per task in place, then prints the summary table', () => {
    const { stream, chunks } = fakeStream(true);
    const report = new RunReport([geo, rate], stream);
    report.start();
    expect(chunks).toEqual([]);

    report.hooks(geo).onProgress?.(progressOf({ accepted: 4, rejected: 1, calls: 5, attempts: 5, now: startedAt + 500 }));
    vi.advanceTimersByTime(200);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toBe('\r\x1b[2Kgeo: running 4/20 records, 1 rejected, 5 LM calls\n\x1b[2Krate: running 0/3 records, 0 rejected, 0 LM calls');

    // The next frame moves back up over the first line, clears each line and rewrites it.
    report.hooks(geo).onProgress?.(progressOf({ accepted: 9, calls: 9, attempts: 9, now: startedAt + 900 }));
    vi.advanceTimersByTime(200);
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toMatch(/^\x1b\[1A\r\x1b\[2Kgeo: running 9\/20 records/);

    // No plain log line on a TTY when a task ends: the live line shows it.
    report.hooks(rate).onEnd?.(resultOf('rate', 'completed'), progressOf({ accepted: 3, calls: 3, attempts: 3, now: startedAt + 1200 }));
    expect(chunks).toHaveLength(2);

    report.hooks(geo).onEnd?.(resultOf('geo', 'completed'), progressOf({ accepted: 20, rejected: 1, calls: 21, attempts: 21, now: startedAt + 12_340 }));
    report.finish();
    const output = chunks.slice(2).join('');
    expect(output).toContain('\x1b[2Kgeo: completed 20/20 records, 1 rejected, 21 LM calls');
    expect(output).toContain('\x1b[2Krate: completed 3/3 records, 0 rejected, 3 LM calls');
    expect(tableLines(output)).toEqual([
      'task  status     records  rejected  LM calls  tokens  cost     elapsed',
      '----  ---------  -------  --------  --------  ------  -------  -------',
      'geo   completed  20       1         21        252     $0.0000  12.3 s ',
      'rate  completed  3        0         3         36      $0.0000  1.2 s  ',
      '',
    ]);

    // The live display stopped.
    const written = chunks.length;
    vi.advanceTimersByTime(1000);
    expect(chunks).toHaveLength(written);
  });
});

describe('RunReport without a TTY', () => {
  it('writes plain lines, throttles progress to one line per 5 s, and never redraws', () => {
    const { stream, chunks } = fakeStream(false);
    const report = new RunReport([geo, rate], stream);
    report.start();
    expect(chunks).toEqual(['geo: started (generation)\n', 'rate: started (transformation)\n']);

    const hooks = report.hooks(geo);
    hooks.onProgress?.(progressOf({ accepted: 1, calls: 1, attempts: 1, now: startedAt + 100 }));
    hooks.onProgress?.(progressOf({ accepted: 2, calls: 2, attempts: 2, now: startedAt + 4_000 }));
    hooks.onProgress?.(progressOf({ accepted: 7, calls: 7, attempts: 7, now: startedAt + 5_100 }));
    vi.advanceTimersByTime(1000);
    expect(chunks.slice(2)).toEqual(['geo: running 1/20 records, 0 rejected, 1 LM calls\n', 'geo: running 7/20 records, 0 rejected, 7 LM calls\n']);

    // Every call failed after the first three: the summary counts the failed calls and says why the task stopped.
    const reason = '17 of 20 LM calls failed (failure rate 0.85 >= 0.5). Last error: http://127.0.0.1:1/v1/chat/completions answered 500';
    hooks.onEnd?.(resultOf('geo', 'failed', reason), progressOf({ accepted: 3, rejected: 17, failures: 17, calls: 3, attempts: 20, now: startedAt + 6_000 }));
    expect(chunks.at(-1)).toBe('geo: failed 3/20 records, 17 rejected, 20 LM calls\n');

    // `rate` never ended (the run was stopped): it shows as cancelled, with no progress.
    report.finish();
    const output = chunks.join('');
    expect(tableLines(output)).toEqual([
      'task  status     records  rejected  LM calls  tokens  cost     elapsed',
      '----  ---------  -------  --------  --------  ------  -------  -------',
      'geo   failed     3        17        20        36      $0.0000  6.0 s  ',
      'rate  cancelled  0        0         0         0       $0.0000  -      ',
      `geo: failed: ${reason}`,
      '',
    ]);
    expect(output).not.toMatch(/[\r\x1b]/);
  });
});

describe('RunReport reasons', () => {
  it('hide the user name and password of any URL a task result quotes', () => {
    const { stream, chunks } = fakeStream(false);
    const report = new RunReport([geo], stream);
    report.start();
    const reason = 'Failed after 4 attempts. Last error: request to http://alice:s3cret@127.0.0.1:9/v1 failed';
    report.hooks(geo).onEnd?.(resultOf('geo', 'errored', reason), progressOf({ failures: 4, attempts: 4 }));
    report.finish();
    const output = chunks.join('');
    expect(output).toContain('geo: errored: Failed after 4 attempts. Last error: request to http://***@127.0.0.1:9/v1 failed');
    expect(output).not.toMatch(/alice|s3cret/);
  });
});
