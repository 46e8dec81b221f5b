import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type { RecordIssue } from '../record.ts';
import { taskFiles } from '../store/task-layout.ts';
import { type LatencyHistogram, addLatency, emptyHistogram, mergeHistogram } from './latency-histogram.ts';
import type { WorkerTally } from '../run/task-progress.ts';
import { type MonitorState, type MonitorTask, type MonitorUsage, addPoint, countReject, emptyMonitorState, engineOf, noMonitorUsage, samplesPerTask, setWorkers, taskOf } from './monitor-state.ts';
import { type RecordSample, keepLast, sampleOf } from './record-sample.ts';
import { findTaskFolders } from './find-task-folders.ts';
import { readNewLines } from './read-new-lines.ts';
import { readRegularFile } from './read-regular-file.ts';
import { holderIn, isAlive } from '../store/pid-file-lock.ts';

/** Settings of a {@link RunFolderReader}. */
export interface RunFolderOptions {
  /** A telemetry folder whose `traces*.jsonl` files give LM latencies (`dgt.llm_call` spans). @default none */
  readonly telemetryDir?: string | undefined;
  /** The clock of the progress points taken at each read (ms since the epoch). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A file followed across reads: where its complete lines end, and what they added up to. */
interface Followed<T> {
  offset: number;
  /** The inode of the file read: another one at the path is read from its start. */
  inode?: number | undefined;
  value: T;
}

interface Rejections {
  count: number;
  readonly rejects: Map<string, Map<string, number>>;
  readonly samples: RecordSample[];
}

interface Engines {
  readonly byKey: Map<string, { calls: number; cachedCalls: number; failedCalls: number; readonly latency: LatencyHistogram }>;
}

interface ResultLine {
  readonly task_name?: unknown;
  readonly status?: unknown;
  readonly reason?: unknown;
  readonly message?: unknown;
  readonly start_time?: unknown;
  readonly end_time?: unknown;
  readonly metrics?: Readonly<Record<string, unknown>>;
  readonly workers?: unknown;
}

/** What a task folder's files add up to. */
interface TaskFolder {
  readonly data: Followed<{ count: number; readonly samples: RecordSample[] }>;
  readonly blocks: Map<string, Followed<Rejections>>;
  readonly results: Followed<{ usage: MonitorUsage; last: ResultLine | undefined }>;
  readonly cards: Followed<{ name: string | undefined; target: number | undefined }>;
  /** The last `run_started` log line's time, and whether a `run_finished` line came after it. */
  readonly logs: Followed<{ startedAt: number | undefined; finished: boolean }>;
}

/**
 * Reads a run from its output folder, for the monitor of a finished, crashed or running run (one in another process):
 * every task folder under it (found by its files: task names with `/` nest folders), each task's records
 * (`data.jsonl`), rejections (`blocks/*.jsonl`), results, cards and logs, and the `dgt.llm_call` spans of a telemetry
 * folder's `traces*.jsonl`. Each {@link read} reads only what the files gained since the last (a file cut or replaced
 * is read again), keeping counts and a few samples, never the records: a folder of a million records costs one pass.
 * A torn last line (a crash, a write under way) waits for the next read. Read-only; no symbolic link is followed, so
 * every path read lies inside the output folder (or the telemetry folder given).
 *
 * ## Example
 * ```ts
 * const reader = new RunFolderReader('output');
 * const state = await reader.read();
 * state.tasks.get('samples/geography_qa'); // { status: 'completed', accepted: 20, rejected: 0, ... }
 * ```
 */
export class RunFolderReader {
  /** The state the reads build; a monitor with a live stream applies its events to it after a first read. */
  readonly state: MonitorState = emptyMonitorState();
  private readonly root: string;
  private readonly folders = new Map<string, TaskFolder>();
  private readonly traces = new Map<string, Followed<Engines>>();
  /** Spans that ended before this (the earliest start of the tasks' current runs) belong to earlier runs: not counted. */
  private tracesSince: number | undefined;
  private readonly now: () => number;

  constructor(
    outputDir: string,
    private readonly options: RunFolderOptions = {},
  ) {
    this.root = resolve(outputDir);
    this.now = options.now ?? Date.now;
  }

  /** Reads what the folders gained since the last read and returns the updated {@link state}. */
  async read(): Promise<MonitorState> {
    const found = await findTaskFolders(this.root);
    for (const dir of this.folders.keys()) if (!found.includes(dir)) this.folders.delete(dir);
    const names = new Set<string>();
    for (const dir of found) {
      const folder = this.folders.get(dir) ?? newTaskFolder();
      this.folders.set(dir, folder);
      await readTaskFolder(dir, folder);
      const name = folder.cards.value.name ?? stringOr(folder.results.value.last?.task_name) ?? relative(this.root, dir).split(sep).join('/');
      names.add(name);
      await this.update(taskOf(this.state, name), dir, folder);
    }
    for (const name of this.state.tasks.keys()) if (!names.has(name)) this.state.tasks.delete(name);
    if (this.options.telemetryDir !== undefined) {
      // The telemetry folder holds every run of the last 14 days, of any output folder: only spans of the time the
      // tasks' current runs cover count (a run started since: the traces are read again from their start).
      const starts = [...this.state.tasks.values()].flatMap((task) => (task.startedAt === undefined ? [] : [task.startedAt]));
      const since = starts.length === 0 ? undefined : Math.min(...starts);
      if (since !== this.tracesSince) this.traces.clear();
      this.tracesSince = since;
      await this.readTraces(resolve(this.options.telemetryDir));
    }
    // A run known only from its folders has the status of its tasks: running while one runs, else interrupted or finished.
    if (this.state.runId === undefined) {
      const statuses = [...this.state.tasks.values()].map((task) => task.status);
      this.state.status = statuses.includes('running') ? 'running' : statuses.includes('interrupted') ? 'interrupted' : statuses.length > 0 ? 'finished' : 'unknown';
    }
    return this.state;
  }

  /** Sets a task's state from what its folder's files add up to. */
  private async update(task: MonitorTask, dir: string, folder: TaskFolder): Promise<void> {
    const { data, blocks, results, cards, logs } = folder;
    const last = results.value.last;
    const unfinished = logs.value.startedAt !== undefined ? !logs.value.finished : last === undefined;
    task.target = cards.value.target ?? task.target;
    task.accepted = data.value.count;
    task.rejected = [...blocks.values()].reduce((sum, block) => sum + block.value.count, 0);
    task.usage = { ...results.value.usage };
    if (last !== undefined && isWorkerTallies(last.workers)) setWorkers(task, last.workers);
    task.rejects.clear();
    for (const block of blocks.values()) {
      for (const [name, codes] of block.value.rejects) {
        const into = task.rejects.get(name) ?? new Map<string, number>();
        for (const [code, count] of codes) into.set(code, (into.get(code) ?? 0) + count);
        task.rejects.set(name, into);
      }
    }
    task.acceptedSamples.splice(0, Infinity, ...data.value.samples);
    task.rejectedSamples.splice(0, Infinity, ...[...blocks.values()].flatMap((block) => block.value.samples).slice(-samplesPerTask));
    task.attempts = await settledInputs(join(dir, taskFiles.state));
    if (unfinished && (logs.value.startedAt !== undefined || cards.value.name !== undefined)) {
      task.status = (await holderAlive(dir)) ? 'running' : 'interrupted';
      Object.assign(task, { reason: undefined, message: undefined, startedAt: logs.value.startedAt, endedAt: undefined });
      if (task.status === 'running') addPoint(task, this.now(), task.accepted);
      else task.points = [];
      return;
    }
    task.points = [];
    const metrics = last?.metrics ?? {};
    const produced = numberOr(metrics['Number of data produced']);
    const restored = numberOr(metrics['records_restored']);
    Object.assign(task, {
      status: stringOr(last?.status) ?? 'unknown',
      reason: stringOr(last?.reason),
      message: stringOr(last?.message),
      startedAt: timeOf(last?.start_time),
      endedAt: timeOf(last?.end_time),
      // The rate of a finished task is that of its last run: what it made over how long it took.
      restored: produced === undefined || restored === undefined ? undefined : task.accepted - (produced - restored),
    });
  }

  /** Folds the `dgt.llm_call` spans of the telemetry folder's traces into the engines. */
  private async readTraces(dir: string): Promise<void> {
    let entries: Dirent[] = [];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      // No telemetry folder (yet): no latencies from it.
    }
    const files = entries.filter((entry) => entry.isFile() && entry.name.startsWith('traces') && entry.name.endsWith('.jsonl')).map((entry) => join(dir, entry.name));
    for (const path of this.traces.keys()) if (!files.includes(path)) this.traces.delete(path);
    for (const path of files) {
      const followed = this.traces.get(path) ?? { offset: 0, value: { byKey: new Map() } };
      this.traces.set(path, followed);
      await follow(path, followed, () => ({ byKey: new Map() }), (value, line) => addSpan(value, line, this.tracesSince));
    }
    // Latencies from live events are the state's own: only engines the traces know are rebuilt from them.
    const merged = new Map<string, { calls: number; cachedCalls: number; failedCalls: number; latency: LatencyHistogram }>();
    for (const { value } of this.traces.values()) {
      for (const [key, engine] of value.byKey) {
        const into = merged.get(key) ?? { calls: 0, cachedCalls: 0, failedCalls: 0, latency: emptyHistogram() };
        into.calls += engine.calls;
        into.cachedCalls += engine.cachedCalls;
        into.failedCalls += engine.failedCalls;
        mergeHistogram(into.latency, engine.latency);
        merged.set(key, into);
      }
    }
    for (const [key, engine] of merged) {
      const into = engineOf(this.state, key);
      Object.assign(into, { calls: engine.calls, cachedCalls: engine.cachedCalls, failedCalls: engine.failedCalls });
      into.latency.buckets.clear();
      Object.assign(into.latency, { count: 0, sum: 0, min: Number.POSITIVE_INFINITY, max: 0 });
      mergeHistogram(into.latency, engine.latency);
    }
  }
}

/**
 * The state of a run read once from its output folder (see {@link RunFolderReader}).
 *
 * ## Example
 * ```ts
 * const state = await readRunFolder('output', { telemetryDir: 'telemetry' });
 * [...state.tasks.values()].map((task) => [task.task, task.status, task.accepted]); // [['samples/geography_qa', 'completed', 20]]
 * ```
 */
export function readRunFolder(outputDir: string, options: RunFolderOptions = {}): Promise<MonitorState> {
  return new RunFolderReader(outputDir, options).read();
}

function newTaskFolder(): TaskFolder {
  return {
    data: { offset: 0, value: { count: 0, samples: [] } },
    blocks: new Map(),
    results: { offset: 0, value: { usage: noMonitorUsage(), last: undefined } },
    cards: { offset: 0, value: { name: undefined, target: undefined } },
    logs: { offset: 0, value: { startedAt: undefined, finished: false } },
  };
}

/** Reads what a task folder's files gained. */
async function readTaskFolder(dir: string, folder: TaskFolder): Promise<void> {
  await follow(join(dir, taskFiles.data), folder.data, () => ({ count: 0, samples: [] }), (value, line) => {
    // A line too long to keep is still a record.
    if (line !== undefined && line.trim() === '') return;
    value.count += 1;
    const record = parse(line);
    if (record !== undefined) keepLast(value.samples, sampleOf(record), samplesPerTask);
  });
  await readBlocks(join(dir, taskFiles.blocks), folder.blocks);
  await follow(join(dir, taskFiles.results), folder.results, () => ({ usage: noMonitorUsage(), last: undefined }), (value, line) => {
    const result = parse(line) as ResultLine | undefined;
    if (result === undefined || typeof result !== 'object') return;
    value.last = result;
    const metrics = result.metrics ?? {};
    value.usage.calls += numberOr(metrics['lm_calls']) ?? 0;
    value.usage.cachedCalls += numberOr(metrics['lm_calls_cached']) ?? 0;
    value.usage.promptTokens += numberOr(metrics['prompt_tokens']) ?? 0;
    value.usage.completionTokens += numberOr(metrics['completion_tokens']) ?? 0;
    value.usage.costUsd += numberOr(metrics['cost_usd']) ?? 0;
  });
  await follow(join(dir, taskFiles.card), folder.cards, () => ({ name: undefined, target: undefined }), (value, line) => {
    const card = parse(line) as { task_name?: unknown; task_spec?: { runner_config?: { num_outputs_to_generate?: unknown } } } | undefined;
    if (card === undefined || typeof card !== 'object') return;
    value.name = stringOr(card.task_name) ?? value.name;
    value.target = numberOr(card.task_spec?.runner_config?.num_outputs_to_generate) ?? value.target;
  });
  await follow(join(dir, taskFiles.logs), folder.logs, () => ({ startedAt: undefined, finished: false }), (value, line) => {
    const entry = parse(line) as { event?: unknown; timestamp?: unknown } | undefined;
    if (entry?.event === 'run_started') Object.assign(value, { startedAt: timeOf(entry.timestamp), finished: false });
    else if (entry?.event === 'run_finished') value.finished = true;
  });
}

/** Reads what each `blocks/*.jsonl` gained: rejections by block and code, and the last few. */
async function readBlocks(dir: string, blocks: Map<string, Followed<Rejections>>): Promise<void> {
  let entries: Dirent[] = [];
  try {
    // A `blocks` that is a link (to a folder outside the output folder, say) is not read: readdir would follow it.
    if ((await lstat(dir)).isDirectory()) entries = await readdir(dir, { withFileTypes: true });
  } catch {
    // No rejection yet.
  }
  const names = entries.filter((entry) => entry.isFile() && entry.name.endsWith('.jsonl')).map((entry) => entry.name);
  for (const name of blocks.keys()) if (!names.includes(name)) blocks.delete(name);
  for (const name of names) {
    const followed = blocks.get(name) ?? { offset: 0, value: { count: 0, rejects: new Map(), samples: [] } };
    blocks.set(name, followed);
    const block = name.slice(0, -'.jsonl'.length);
    await follow(join(dir, name), followed, () => ({ count: 0, rejects: new Map(), samples: [] }), (value, line) => {
      if (line !== undefined && line.trim() === '') return;
      value.count += 1;
      const rejection = parse(line) as { issues?: unknown } | undefined;
      const issues = Array.isArray(rejection?.issues) ? (rejection.issues as RecordIssue[]).filter((issue) => typeof issue === 'object' && issue !== null) : undefined;
      countReject(value.rejects, issues, block);
      if (rejection !== undefined) keepLast(value.samples, sampleOf(rejection, issues ?? []), samplesPerTask);
    });
  }
}

/** Reads the lines `path` gained into `followed`, starting over from `fresh()` when the file was cut or replaced. */
async function follow<T>(path: string, followed: Followed<T>, fresh: () => T, fold: (value: T, line: string | undefined) => void): Promise<void> {
  const offset = await readNewLines(
    path,
    followed.offset,
    {
      reset: () => (followed.value = fresh()),
      line: (text) => fold(followed.value, text),
    },
    followed,
  );
  if (offset === undefined) {
    // The file is gone (or never was): nothing of it counts.
    if (followed.offset > 0) followed.value = fresh();
    followed.offset = 0;
  } else followed.offset = offset;
}

/** Folds one line of a traces file: a `dgt.llm_call` span's duration under its engine; other shapes are skipped. */
function addSpan(value: Engines, line: string | undefined, since: number | undefined): void {
  const span = parse(line) as Record<string, unknown> | undefined;
  if (span === undefined || typeof span !== 'object' || span['span_name'] !== 'dgt.llm_call') return;
  const ended = typeof span['end_time'] === 'string' ? Date.parse(span['end_time']) : Number.NaN;
  if (since !== undefined && ended < since) return;
  const duration = numberOr(span['duration_ms']);
  const model = stringOr(span['model']) ?? stringOr(span['model_id']);
  const block = stringOr(span['block']);
  const provider = stringOr(span['provider']);
  const modelKey = provider !== undefined && model !== undefined ? `${provider}/${model}` : model;
  const key = block !== undefined && modelKey !== undefined ? `${block}: ${modelKey}` : (modelKey ?? block ?? 'unknown');
  const engine = value.byKey.get(key) ?? { calls: 0, cachedCalls: 0, failedCalls: 0, latency: emptyHistogram() };
  value.byKey.set(key, engine);
  if (span['status'] === 'error') engine.failedCalls += 1;
  else if (span['cached'] === true) engine.cachedCalls += 1;
  else if (duration !== undefined) {
    engine.calls += 1;
    addLatency(engine.latency, duration);
  }
}

/** Inputs settled, from the last line of `dataloader_state.jsonl` with rxdgt's bookkeeping; undefined without one. */
async function settledInputs(path: string): Promise<number | undefined> {
  const text = await readTail(path, 64 << 10);
  const lines = text?.split('\n').slice(0, -1) ?? [];
  for (const line of lines.reverse()) {
    const bookkeeping = (parse(line) as { rxdgt?: { next?: unknown; unsettled?: unknown } } | undefined)?.rxdgt;
    const next = numberOr(bookkeeping?.next);
    if (next !== undefined) return next - (Array.isArray(bookkeeping?.unsettled) ? bookkeeping.unsettled.length : 0);
  }
  return undefined;
}

/** Whether the task folder's lock holder (`.rxdgt.lock.json`, removed when a run ends) may still run: the lock's own test. */
async function holderAlive(dir: string): Promise<boolean> {
  const holder = holderIn((await readTail(join(dir, taskFiles.lockHolder), 4096)) ?? '');
  return holder !== undefined && (holder.host !== hostname() || isAlive(holder.pid));
}

/** The last `bytes` of a regular file (not through a link), or undefined. */
function readTail(path: string, bytes: number): Promise<string | undefined> {
  return readRegularFile(path, async (file, size) => {
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    await file.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  });
}

function parse(line: string | undefined): unknown {
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function timeOf(value: unknown): number | undefined {
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? undefined : time;
}

/** Whether a result line's `workers` is a map of worker tallies (a file may hold anything). */
function isWorkerTallies(value: unknown): value is Readonly<Record<string, WorkerTally>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.values(value).every((tally: unknown) => {
    const counts = tally as Partial<Record<keyof WorkerTally, unknown>> | null;
    return typeof counts === 'object' && counts !== null && ['inputs', 'records', 'rejected'].every((key) => typeof counts[key as keyof WorkerTally] === 'number');
  });
}
