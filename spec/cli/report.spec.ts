import { VirtualTimeScheduler, map } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RunReport } from '../../lib/cli/report.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { createTask } from '../../lib/run/task.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import type { TaskProgress } from '../../lib/run/task-progress.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';

/** A write stream that keeps every chunk; `isTTY` decides between the live table and plain lines. */
function fakeStream(isTTY: boolean, columns?: number): { readonly stream: NodeJS.WriteStream; readonly chunks: string[] } {
  const chunks: string[] = [];
  const stream = { isTTY, columns, write: (chunk: string) => (chunks.push(chunk), true) } as unknown as NodeJS.WriteStream;
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

/** The lines of a frame of the live table, with the ANSI sequences taken out. */
function linesOf(chunk: string): string[] {
  return chunk.replace(/\r|\x1b\[\d*[AJK]/g, '').split('\n').slice(0, -1);
}

describe('RunReport on a TTY', () => {
  it('draws one table, a row per task and the totals, redrawn in place at most every 200 ms, then the summary', () => {
    const { stream, chunks } = fakeStream(true, 100);
    const report = new RunReport([geo, rate], stream, { costKnown: (task) => task === geo });
    report.start();
    vi.advanceTimersByTime(199);
    expect(chunks).toEqual([]);

    // The first frame, 200 ms after the start: nothing above it to move over.
    vi.advanceTimersByTime(1);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]).toMatch(/^\r\x1b\[2Ktask /);
    expect(linesOf(chunks[0] as string)).toEqual([
      'task   status     records  rate  ETA  rejected  cost',
      'geo    running    0/20     -     -    0         $0.0000',
      'rate   running    0/3      -     -    0         -',
      'total  0/2 ended  0/23     -     -    0         $0.0000',
    ]);
    // Frames like the last one are not written again.
    vi.advanceTimersByTime(600);
    expect(chunks).toHaveLength(1);

    // geo started with the report: 4 records in its first 800 ms, then 1 s of the report's clock at the next frame.
    const spent = progressOf({ accepted: 4, rejected: 1, calls: 5, attempts: 5, now: startedAt + 800 });
    report.hooks(geo).onProgress?.({ ...spent, usage: { ...spent.usage, costUsd: 0.0123 } });
    vi.advanceTimersByTime(199);
    expect(chunks).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(chunks).toHaveLength(2);
    // Up over the 4 lines drawn, then each line cleared and rewritten, then the rest of the screen cleared.
    expect(chunks[1]).toMatch(/^\x1b\[4A\r(\x1b\[2K[^\n\x1b]*\n){4}\x1b\[J$/);
    expect(linesOf(chunks[1] as string)).toEqual([
      'task   status     records  rate   ETA  rejected  cost',
      'geo    running    4/20     4.0/s  4s   1         $0.0123',
      'rate   running    0/3      -      -    0         -',
      'total  0/2 ended  4/23     4.0/s  5s   1         $0.0123',
    ]);

    // Throttled: progress 50 ms after a frame waits for the next one, 200 ms after the last.
    vi.advanceTimersByTime(50);
    report.hooks(geo).onProgress?.(progressOf({ accepted: 9, rejected: 1, calls: 10, attempts: 10, now: startedAt + 1_050 }));
    vi.advanceTimersByTime(149);
    expect(chunks).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(chunks).toHaveLength(3);
    expect(chunks[2]).toMatch(/^\x1b\[4A\r/);
    // 9 records over 1.2 s; 11 to go.
    expect(linesOf(chunks[2] as string)[1]).toBe('geo    running    9/20     7.5/s  2s   1         $0.0000');

    // A task that ends shows its status, no rate and no ETA: in the frame drawn once more before the summary.
    report.hooks(rate).onEnd?.(resultOf('rate', 'completed'), progressOf({ accepted: 3, calls: 3, attempts: 3, now: startedAt + 1_200 }));
    report.hooks(geo).onEnd?.(resultOf('geo', 'completed'), progressOf({ accepted: 20, rejected: 1, calls: 21, attempts: 21, now: startedAt + 12_340 }));
    expect(chunks).toHaveLength(3);
    report.finish();
    expect(chunks).toHaveLength(5);
    expect(chunks[3]).toMatch(/^\x1b\[4A\r/);
    expect(linesOf(chunks[3] as string)).toEqual([
      'task   status     records  rate  ETA  rejected  cost',
      'geo    completed  20/20    -     -    1         $0.0000',
      'rate   completed  3/3      -     -    0         -',
      'total  2/2 ended  23/23    -     -    1         $0.0000',
    ]);
    expect(tableLines(chunks[4] as string)).toEqual([
      'task  status     records  rejected  LM calls  tokens  cost     elapsed',
      '----  ---------  -------  --------  --------  ------  -------  -------',
      'geo   completed  20       1         21        252     $0.0000  12.3 s ',
      'rate  completed  3        0         3         36      -        1.2 s  ',
      '',
    ]);

    // The live display stopped.
    vi.advanceTimersByTime(1000);
    expect(chunks).toHaveLength(5);
  });

  it('cuts the table to the terminal width', () => {
    const { stream, chunks } = fakeStream(true, 20);
    const report = new RunReport([geo, rate], stream);
    report.start();
    vi.advanceTimersByTime(200);
    expect(linesOf(chunks[0] as string)).toEqual(['task   status     re', 'geo    running    0/', 'rate   running    0/', 'total  0/2 ended  0/']);
  });

  it('redraws at once when the terminal is resized, moving up over the rows the old lines wrap onto now', () => {
    const listeners = new Map<string, () => void>();
    const { stream, chunks } = fakeStream(true, 100);
    Object.assign(stream, {
      on: (event: string, listener: () => void) => (listeners.set(event, listener), stream),
      off: (event: string) => (listeners.delete(event), stream),
    });
    const report = new RunReport([geo], stream, { costKnown: () => true });
    report.start();
    vi.advanceTimersByTime(200);
    const first = linesOf(chunks[0] as string);
    expect(first).toHaveLength(3);
    // Narrowed to 20 columns: each of the 3 lines drawn (about 55 characters) now wraps onto 3 rows.
    (stream as { columns: number }).columns = 20;
    listeners.get('resize')?.();
    expect(chunks).toHaveLength(2);
    const rows = first.reduce((sum, text) => sum + Math.ceil(text.length / 20), 0);
    expect(rows).toBeGreaterThan(3);
    expect(chunks[1]).toMatch(new RegExp(`^\\x1b\\[${rows}A\\r`));
    // The new frame is cut to 20 columns and clears what the old one left below it.
    expect(linesOf(chunks[1] as string).every((text) => text.length <= 20)).toBe(true);
    expect(chunks[1]).toMatch(/\x1b\[J$/);
    report.finish();
    expect(listeners.has('resize')).toBe(false);
  });

  it('writes a warning above the table: the table is erased, the warning written, the table drawn again below it', () => {
    // stdout and stderr on one terminal: the chunks of both in the order written.
    const { stream, chunks } = fakeStream(true, 100);
    const err = { write: (chunk: string) => (chunks.push(`err:${chunk}`), true) };
    const report = new RunReport([geo], stream);
    report.start();
    // Before the first frame there is nothing to erase.
    report.writeAbove(err, 'rxdgt: geo: lock taken over');
    expect(chunks).toEqual(['err:rxdgt: geo: lock taken over\n']);

    vi.advanceTimersByTime(200);
    expect(linesOf(chunks[1] as string)).toHaveLength(3);
    report.writeAbove(err, 'rxdgt: geo: crash repaired\n');
    expect(chunks[2]).toBe('\x1b[3A\r\x1b[J');
    expect(chunks[3]).toBe('err:rxdgt: geo: crash repaired\n');
    expect(chunks[4]).toMatch(/^\r\x1b\[2Ktask /);
    expect(linesOf(chunks[4] as string)).toEqual(linesOf(chunks[1] as string));

    // The next frame moves up over the table drawn below the warning only.
    report.hooks(geo).onProgress?.(progressOf({ accepted: 1, calls: 1, attempts: 1, now: startedAt + 300 }));
    vi.advanceTimersByTime(200);
    expect(chunks[5]).toMatch(/^\x1b\[3A\r/);

    // Once the summary is written nothing erases it.
    report.finish();
    const written = chunks.length;
    report.writeAbove(err, 'rxdgt: late');
    expect(chunks.slice(written)).toEqual(['err:rxdgt: late\n']);
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
    expect(chunks.slice(2)).toEqual(['geo: running 1/20 records, 0 rejected, 1 LM calls, cost $0.0000\n', 'geo: running 7/20 records, 0 rejected, 7 LM calls, cost $0.0000\n']);

    // Every call failed after the first three: the summary counts the failed calls and says why the task stopped.
    const reason = '17 of 20 LM calls failed (failure rate 0.85 >= 0.5). Last error: http://127.0.0.1:1/v1/chat/completions answered 500';
    hooks.onEnd?.(resultOf('geo', 'failed', reason), progressOf({ accepted: 3, rejected: 17, failures: 17, calls: 3, attempts: 20, now: startedAt + 6_000 }));
    expect(chunks.at(-1)).toBe('geo: failed 3/20 records, 17 rejected, 20 LM calls, cost $0.0000\n');

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

describe('RunReport clock', () => {
  it('draws its frames on the scheduler it is given', () => {
    const scheduler = new VirtualTimeScheduler();
    const { stream, chunks } = fakeStream(true, 100);
    const report = new RunReport([geo], stream, { scheduler });
    report.start();
    scheduler.maxFrames = 199;
    scheduler.flush();
    expect(chunks).toEqual([]);
    scheduler.maxFrames = 200;
    scheduler.flush();
    expect(chunks).toHaveLength(1);
    // 6 records in the task's first 200 ms, read at 200 ms: 15 a second at the next frame, 400 ms after the start.
    report.hooks(geo).onProgress?.(progressOf({ accepted: 6, calls: 6, attempts: 6, now: startedAt + 200 }));
    scheduler.maxFrames = 500;
    scheduler.flush();
    expect(chunks).toHaveLength(2);
    expect(linesOf(chunks[1] as string)[1]).toBe('geo    running    6/20     15/s  1s   0         $0.0000');
    report.finish();
    scheduler.maxFrames = 5_000;
    scheduler.flush();
    expect(chunks).toHaveLength(4);
  });
});

describe('RunReport writeAbove without a TTY', () => {
  it('writes the text as a whole line and nothing else', () => {
    const { stream, chunks } = fakeStream(false);
    const report = new RunReport([geo], stream);
    report.start();
    const lines: string[] = [];
    report.writeAbove({ write: (chunk: string) => (lines.push(chunk), true) }, 'rxdgt: geo: lock taken over');
    expect(lines).toEqual(['rxdgt: geo: lock taken over\n']);
    expect(chunks).toEqual(['geo: started (generation)\n']);
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

describe('RunReport costs', () => {
  /** The cells of each table row after the dashes line, by task name. */
  function costs(output: string): Record<string, string> {
    const rows = tableLines(output).slice(2).filter((line) => line !== '' && !line.includes(': '));
    return Object.fromEntries(rows.map((row) => row.trim().split(/\s{2,}/)).map((cells) => [cells[0], cells[6]]));
  }

  it('show `-` for a task none of whose engines has a price, in the live lines and the table; a priced one shows $0.0000', () => {
    const { stream, chunks } = fakeStream(false);
    const report = new RunReport([geo, rate], stream, { costKnown: (task) => task === rate });
    report.start();
    report.hooks(geo).onProgress?.(progressOf({ accepted: 1, calls: 1, attempts: 1, now: startedAt + 100 }));
    expect(chunks.at(-1)).toBe('geo: running 1/20 records, 0 rejected, 1 LM calls, cost -\n');
    report.hooks(geo).onEnd?.(resultOf('geo', 'completed'), progressOf({ accepted: 20, calls: 20, attempts: 20, now: startedAt + 2_000 }));
    report.hooks(rate).onEnd?.(resultOf('rate', 'completed'), progressOf({ accepted: 3, calls: 3, attempts: 3, now: startedAt + 1_000 }));
    expect(chunks.slice(-2)).toEqual(['geo: completed 20/20 records, 0 rejected, 20 LM calls, cost -\n', 'rate: completed 3/3 records, 0 rejected, 3 LM calls, cost $0.0000\n']);
    report.finish();
    expect(costs(chunks.join(''))).toEqual({ geo: '-', rate: '$0.0000' });
  });

  it('show what a task spent even when its builder has no priced engine (one it made while running had a price)', () => {
    const { stream, chunks } = fakeStream(false);
    const report = new RunReport([geo, rate], stream, { costKnown: () => false });
    report.start();
    const spent = progressOf({ accepted: 2, calls: 2, attempts: 2, now: startedAt + 500 });
    report.hooks(geo).onEnd?.(resultOf('geo', 'completed'), { ...spent, usage: { ...spent.usage, costUsd: 0.01234 } });
    report.finish();
    expect(chunks).toContain('geo: completed 2/20 records, 0 rejected, 2 LM calls, cost $0.0123\n');
    // `rate` never ran: nothing known, nothing spent.
    expect(costs(chunks.join(''))).toEqual({ geo: '$0.0123', rate: '-' });
  });
});
