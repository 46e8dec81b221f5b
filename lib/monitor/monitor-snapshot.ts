import type { WorkerTally } from '../run/task-progress.ts';
import { type LatencyPercentiles, latencyPercentiles } from './latency-histogram.ts';
import { type MonitorAdmission, type MonitorState, type MonitorTask, type MonitorUsage, rateWindowMs } from './monitor-state.ts';
import type { RecordSample } from './record-sample.ts';

/** One task as the page shows it. Unknown values are `null` (the snapshot is JSON). */
export interface TaskSnapshot {
  readonly task: string;
  readonly target: number | null;
  readonly status: string;
  readonly reason: string | null;
  readonly message: string | null;
  readonly accepted: number;
  readonly rejected: number;
  readonly attempts: number | null;
  /** Records per second: over the last 10 s while the task runs, over its whole run once it ended. */
  readonly ratePerSecond: number | null;
  /** Seconds until the target at the current rate, while the task runs. */
  readonly etaSeconds: number | null;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly usage: MonitorUsage;
  /** Rejections by block and code, most frequent first. */
  readonly rejects: readonly { readonly block: string; readonly code: string; readonly count: number }[];
  readonly acceptedSamples: readonly RecordSample[];
  readonly rejectedSamples: readonly RecordSample[];
  /** In a distributed run: per worker (`<host>:<pid>`, by name), the inputs it settled and their records and rejections. */
  readonly workers: readonly ({ readonly worker: string } & WorkerTally)[];
}

/** One engine as the page shows it. */
export interface EngineSnapshot {
  readonly engine: string;
  readonly calls: number;
  readonly cachedCalls: number;
  readonly failedCalls: number;
  /** Latency of the calls answered by the model (cached ones apart), in ms. */
  readonly latencyMs: LatencyPercentiles | null;
  readonly admission: (Omit<MonitorAdmission, 'pausedUntil' | 'rpm' | 'tpm'> & { readonly pausedUntil: number | null; readonly rpm: number | null; readonly tpm: number | null }) | null;
}

/** What the monitor page renders: the whole state at one instant, as JSON. */
export interface MonitorSnapshot {
  /** The time the snapshot was taken (ms since the epoch). */
  readonly now: number;
  readonly runId: string | null;
  readonly status: string;
  readonly startedAt: number | null;
  readonly endedAt: number | null;
  readonly tasks: readonly TaskSnapshot[];
  readonly engines: readonly EngineSnapshot[];
}

/**
 * The state as of `now`: rates over the last 10 seconds, ETAs, latency percentiles, rejects sorted; plain JSON.
 *
 * ## Example
 * ```ts
 * const state = applyEvent(emptyMonitorState(), { type: 'run-start', time: 0, runId: 'r', buildId: 'exp', tasks: [{ task: 'geo', target: 20 }] });
 * monitorSnapshot(state, 1000).tasks[0]; // { task: 'geo', target: 20, status: 'waiting', ratePerSecond: null, ... }
 * ```
 */
export function monitorSnapshot(state: MonitorState, now: number): MonitorSnapshot {
  return {
    now,
    runId: state.runId ?? null,
    status: state.status,
    startedAt: state.startedAt ?? null,
    endedAt: state.endedAt ?? null,
    tasks: [...state.tasks.values()].map((task) => taskSnapshot(task, now)),
    engines: [...state.engines.values()].map((engine) => ({
      engine: engine.engine,
      calls: engine.calls,
      cachedCalls: engine.cachedCalls,
      failedCalls: engine.failedCalls,
      latencyMs: latencyPercentiles(engine.latency) ?? null,
      admission: engine.admission ? { ...engine.admission, pausedUntil: engine.admission.pausedUntil ?? null, rpm: engine.admission.rpm ?? null, tpm: engine.admission.tpm ?? null } : null,
    })),
  };
}

function taskSnapshot(task: MonitorTask, now: number): TaskSnapshot {
  const rate = rateOf(task, now);
  const left = task.target === undefined ? undefined : Math.max(0, task.target - task.accepted);
  const eta = task.status === 'running' && left !== undefined && rate !== undefined && rate > 0 ? left / rate : undefined;
  const rejects = [...task.rejects].flatMap(([block, codes]) => [...codes].map(([code, count]) => ({ block, code, count })));
  rejects.sort((a, b) => b.count - a.count || a.block.localeCompare(b.block) || a.code.localeCompare(b.code));
  return {
    task: task.task,
    target: task.target ?? null,
    status: task.status,
    reason: task.reason ?? null,
    message: task.message ?? null,
    accepted: task.accepted,
    rejected: task.rejected,
    attempts: task.attempts ?? null,
    ratePerSecond: rate ?? null,
    etaSeconds: eta ?? null,
    startedAt: task.startedAt ?? null,
    endedAt: task.endedAt ?? null,
    usage: { ...task.usage },
    rejects,
    acceptedSamples: [...task.acceptedSamples],
    rejectedSamples: [...task.rejectedSamples],
    workers: [...task.workers].map(([worker, tally]) => ({ worker, ...tally })).sort((a, b) => a.worker.localeCompare(b.worker)),
  };
}

/**
 * Records per second: while the task runs, the records made since the last point at or before the window's start (or
 * the first point) over the time since it, up to `now` (so a stalled task's rate falls); once ended, those of the
 * whole run over its duration.
 */
function rateOf(task: MonitorTask, now: number): number | undefined {
  if (task.status !== 'running') {
    const { startedAt, endedAt, restored } = task;
    if (startedAt === undefined || endedAt === undefined || restored === undefined || endedAt <= startedAt) return undefined;
    return (task.accepted - restored) / ((endedAt - startedAt) / 1000);
  }
  const last = task.points[task.points.length - 1];
  if (last === undefined || task.points.length < 2) return undefined;
  let base = task.points[0] as [number, number];
  for (const point of task.points) if (point[0] <= now - rateWindowMs) base = point;
  const seconds = (now - base[0]) / 1000;
  return seconds > 0 ? Math.max(0, last[1] - base[1]) / seconds : undefined;
}
