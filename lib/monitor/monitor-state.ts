import type { WorkerTally } from '../run/task-progress.ts';
import type { RecordIssue } from '../record.ts';
import { type RunEvent, modelCalledAt } from '../telemetry/run-event.ts';
import { type LatencyHistogram, addLatency, emptyHistogram } from './latency-histogram.ts';
import { type RecordSample, keepLast, sampleOf } from './record-sample.ts';

/** Sample records kept per task, accepted and rejected each. */
export const samplesPerTask = 5;
/** The window of the rate of records (ms): the rate shown is that of the last 10 seconds. */
export const rateWindowMs = 10_000;
/** Progress points closer than this (ms) are merged: at most ~100 points in a window, whatever the rate. */
const pointSpacingMs = 100;

/** LM usage the monitor sums: calls, tokens and cost. */
export interface MonitorUsage {
  calls: number;
  cachedCalls: number;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
}

/**
 * What the monitor knows of a task. `waiting` before it starts, `running`, `interrupted` when its folder shows a run
 * without a result (a crash, a kill), else the status of its result (`completed`, `stalled`, `failed`, ...).
 */
export interface MonitorTask {
  readonly task: string;
  target: number | undefined;
  status: string;
  reason: string | undefined;
  message: string | undefined;
  /** Records on disk (restored ones included). */
  accepted: number;
  /** Rejections of every run the monitor knows. */
  rejected: number;
  /** Inputs settled, when known. */
  attempts: number | undefined;
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** Records on disk when the current run started (what a resume restored), when known. */
  restored: number | undefined;
  /** `[time, accepted]` points of the current run, for the rate; the last {@link rateWindowMs} and one before. */
  points: [time: number, accepted: number][];
  usage: MonitorUsage;
  /** Rejections by block, then by code: each counted once, under its first issue (the block whose file holds it). */
  readonly rejects: Map<string, Map<string, number>>;
  readonly acceptedSamples: RecordSample[];
  readonly rejectedSamples: RecordSample[];
  /** Counts before the current run's events (what the folders held), to which the run's totals add. */
  base: { rejected: number; attempts: number; usage: MonitorUsage } | undefined;
  /** Whether an `input-end` of the current run came yet. */
  settledThisRun: boolean;
  /** In a distributed run: what each worker settled in the task's current (or last) run. */
  readonly workers: Map<string, WorkerTally>;
}

/** An engine's admission control, as last sampled. */
export interface MonitorAdmission {
  readonly concurrency: number;
  readonly maxConcurrency: number;
  readonly active: number;
  readonly queued: number;
  readonly pausedUntil: number | undefined;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  /** When it was sampled (ms since the epoch). */
  readonly time: number;
}

/** What the monitor knows of an engine (`<block>: <provider>/<model>`): its calls and their latency. */
export interface MonitorEngine {
  readonly engine: string;
  /** Calls answered by the model (not from a cache): those whose latency is in `latency`. */
  calls: number;
  cachedCalls: number;
  failedCalls: number;
  readonly latency: LatencyHistogram;
  admission: MonitorAdmission | undefined;
}

/**
 * The monitor's aggregate of a run: per task its progress, rejects, usage and samples; per engine its latency and
 * admission state. Built from the run's events ({@link applyEvent}) and from its folders (`readRunFolder`); memory
 * is bounded by the number of tasks, engines, blocks and codes, never by the number of records or calls.
 */
export interface MonitorState {
  runId: string | undefined;
  /**
   * `running` then a `run_finished` status (`completed`, `failed`, `cancelled`) for a run followed live; for one read
   * from its folders `running`, `interrupted` or `finished` after its tasks; `unknown` before anything is known.
   */
  status: string;
  startedAt: number | undefined;
  endedAt: number | undefined;
  readonly tasks: Map<string, MonitorTask>;
  readonly engines: Map<string, MonitorEngine>;
}

/** A state that knows of nothing. */
export function emptyMonitorState(): MonitorState {
  return { runId: undefined, status: 'unknown', startedAt: undefined, endedAt: undefined, tasks: new Map(), engines: new Map() };
}

/** Usage of nothing. */
export function noMonitorUsage(): MonitorUsage {
  return { calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0, costUsd: 0 };
}

/** The task named `task`, added (waiting) when it is new. */
export function taskOf(state: MonitorState, task: string): MonitorTask {
  let found = state.tasks.get(task);
  if (!found) {
    found = {
      task,
      target: undefined,
      status: 'waiting',
      reason: undefined,
      message: undefined,
      accepted: 0,
      rejected: 0,
      attempts: undefined,
      startedAt: undefined,
      endedAt: undefined,
      restored: undefined,
      points: [],
      usage: noMonitorUsage(),
      rejects: new Map(),
      acceptedSamples: [],
      rejectedSamples: [],
      base: undefined,
      settledThisRun: false,
      workers: new Map(),
    };
    state.tasks.set(task, found);
  }
  return found;
}

/** The engine keyed `engine`, added when it is new. */
export function engineOf(state: MonitorState, engine: string): MonitorEngine {
  let found = state.engines.get(engine);
  if (!found) {
    found = { engine, calls: 0, cachedCalls: 0, failedCalls: 0, latency: emptyHistogram(), admission: undefined };
    state.engines.set(engine, found);
  }
  return found;
}

/** Counts one rejection in `rejects` under its first issue's block and code (`fallbackBlock` when it has none). */
export function countReject(rejects: Map<string, Map<string, number>>, issues: readonly RecordIssue[] | undefined, fallbackBlock: string): void {
  const first = issues?.[0];
  const block = typeof first?.block === 'string' ? first.block : fallbackBlock;
  const code = typeof first?.code === 'string' ? first.code : 'unknown';
  const codes = rejects.get(block) ?? new Map<string, number>();
  codes.set(code, (codes.get(code) ?? 0) + 1);
  rejects.set(block, codes);
}

/** Adds a progress point, merging it with the last when they are close, and drops points the rate no longer needs. */
export function addPoint(task: MonitorTask, time: number, accepted: number): void {
  const { points } = task;
  const before = points[points.length - 2];
  if (before !== undefined && time - before[0] < pointSpacingMs) points[points.length - 1] = [time, accepted];
  else points.push([time, accepted]);
  // Keep one point at or before the window's start: the rate's base.
  while (points.length > 2 && (points[1] as [number, number])[0] <= time - rateWindowMs) points.shift();
}

/**
 * Folds one run event into the state, in place, and returns it: the reducer of the monitor (`scan(applyEvent,
 * state)`). Deterministic and free of I/O and clocks: times come from the events. Task totals come from the events'
 * own totals, added to what the folders held before the run (`base`); a `--restart` (the first input of a run
 * finding fewer records than the folders held) drops what was read from the folders.
 *
 * ## Example
 * ```ts
 * const state = applyEvent(emptyMonitorState(), { type: 'run-start', time: 0, runId: 'r', buildId: 'exp', tasks: [{ task: 'geo', target: 20 }] });
 * state.tasks.get('geo'); // { task: 'geo', target: 20, status: 'waiting', accepted: 0, ... }
 * ```
 */
export function applyEvent(state: MonitorState, event: RunEvent): MonitorState {
  switch (event.type) {
    case 'run-start':
      Object.assign(state, { runId: event.runId, status: 'running', startedAt: event.time, endedAt: undefined });
      for (const { task, target } of event.tasks) taskOf(state, task).target = target;
      break;
    case 'task-start': {
      const task = taskOf(state, event.task);
      Object.assign(task, { target: event.target, status: 'running', reason: undefined, message: undefined, startedAt: event.time, endedAt: undefined });
      Object.assign(task, { points: [], restored: undefined, settledThisRun: false });
      task.workers.clear();
      task.base = { rejected: task.rejected, attempts: task.attempts ?? 0, usage: { ...task.usage } };
      break;
    }
    case 'input-end':
      settle(taskOf(state, event.task), event);
      break;
    case 'model-call-end': {
      const engine = engineOf(state, event.usageKey);
      if (event.error !== undefined) engine.failedCalls += 1;
      else if (event.cached) engine.cachedCalls += 1;
      else {
        engine.calls += 1;
        // The model's latency, as the traces' `duration_ms`: the wait for admission is not the endpoint's.
        addLatency(engine.latency, event.endedAt - modelCalledAt(event));
      }
      break;
    }
    case 'admission-change': {
      const { concurrency, maxConcurrency, active, queued, pausedUntil, rpm, tpm } = event.state;
      engineOf(state, event.engine).admission = { concurrency, maxConcurrency, active, queued, pausedUntil, rpm, tpm, time: event.time };
      break;
    }
    case 'task-end': {
      const task = taskOf(state, event.task);
      const { status, reason, message, metrics, end_time: endTime } = event.result;
      const ended = endTime === undefined ? Number.NaN : Date.parse(endTime);
      Object.assign(task, { status, reason, message, endedAt: Number.isNaN(ended) ? event.time : ended });
      if (event.result.workers !== undefined) setWorkers(task, event.result.workers);
      const produced = metrics?.['Number of data produced'];
      if (typeof produced === 'number') task.accepted = produced;
      if (metrics !== undefined) {
        // The result's totals are the run's own: exact where the settled inputs' usage missed calls of no record.
        const base = task.base?.usage ?? noMonitorUsage();
        task.usage = {
          calls: base.calls + (metrics['lm_calls'] ?? 0),
          cachedCalls: base.cachedCalls + (metrics['lm_calls_cached'] ?? 0),
          promptTokens: base.promptTokens + (metrics['prompt_tokens'] ?? 0),
          completionTokens: base.completionTokens + (metrics['completion_tokens'] ?? 0),
          costUsd: base.costUsd + (metrics['cost_usd'] ?? 0),
        };
      }
      break;
    }
    case 'run-end':
      Object.assign(state, { status: event.status, endedAt: event.time });
      break;
    case 'task-log':
      break;
  }
  return state;
}

/** One input of a task settled: its totals, its rejects, usage and samples. */
function settle(task: MonitorTask, event: Extract<RunEvent, { type: 'input-end' }>): void {
  if (!task.settledThisRun) {
    task.settledThisRun = true;
    const restored = event.accepted - event.records.length;
    // Fewer records than the folders held: the run started over (`--restart`) and what was read is gone.
    if (restored < task.accepted) forgetFolders(task);
    task.restored = restored;
    if (task.points.length === 0) task.points.push([task.startedAt ?? event.time, restored]);
  }
  if (task.status === 'waiting') task.status = 'running';
  const base = task.base ?? { rejected: 0, attempts: 0, usage: noMonitorUsage() };
  task.accepted = event.accepted;
  task.rejected = base.rejected + event.rejected;
  task.attempts = base.attempts + event.attempts;
  addPoint(task, event.time, event.accepted);
  if (event.usage !== undefined) {
    const { usage } = task;
    task.usage = {
      calls: usage.calls + event.usage.calls,
      cachedCalls: usage.cachedCalls + event.usage.cachedCalls,
      promptTokens: usage.promptTokens + event.usage.promptTokens,
      completionTokens: usage.completionTokens + event.usage.completionTokens,
      costUsd: usage.costUsd + event.usage.costUsd,
    };
  }
  if (event.worker !== undefined) {
    const tally = task.workers.get(event.worker) ?? { inputs: 0, records: 0, rejected: 0 };
    task.workers.set(event.worker, { inputs: tally.inputs + 1, records: tally.records + event.records.length, rejected: tally.rejected + event.rejections.length });
  }
  for (const record of event.records.slice(-samplesPerTask)) keepLast(task.acceptedSamples, sampleOf(record), samplesPerTask);
  for (const rejection of event.rejections) countReject(task.rejects, rejection.issues, 'unknown');
  for (const rejection of event.rejections.slice(-samplesPerTask)) keepLast(task.rejectedSamples, sampleOf(rejection.record, rejection.issues), samplesPerTask);
}

/** Sets a task's workers to a result's tallies (`task_results.jsonl`: exact, and read back for a finished run). */
export function setWorkers(task: MonitorTask, workers: Readonly<Record<string, WorkerTally>>): void {
  task.workers.clear();
  for (const [worker, tally] of Object.entries(workers)) task.workers.set(worker, tally);
}

/** Drops what was read from a task's folders before its run started over. */
function forgetFolders(task: MonitorTask): void {
  task.base = { rejected: 0, attempts: 0, usage: noMonitorUsage() };
  task.usage = noMonitorUsage();
  task.rejects.clear();
  task.acceptedSamples.length = 0;
  task.rejectedSamples.length = 0;
}
