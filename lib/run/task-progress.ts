import { addUsage, noUsage } from '../outcome.ts';
import type { Outcome, Usage } from '../record.ts';
import type { Settlement } from '../store/ledger.ts';
import { type ConfigIssueStreak, extendStreak } from './config-issue-streak.ts';
import { type ProgressWindow, type WindowReadings, advanceWindows, openWindows } from './progress-windows.ts';

export type { ConfigIssueStreak } from './config-issue-streak.ts';

/** What a task has done so far: the state every stop criterion reads. */
export interface TaskProgress {
  /** Records accepted, including those restored from an earlier run. */
  readonly accepted: number;
  /** Records restored from disk on resume (part of `accepted`). */
  readonly restored: number;
  readonly rejected: number;
  /** Inputs that made no record because an LM call failed (`lm_call_failed`). */
  readonly failures: number;
  /** Inputs finished in this run. */
  readonly attempts: number;
  /** Inputs finished since the last one that made a record. */
  readonly sinceLastAccepted: number;
  /** Message of the last failed LM call, if any. */
  readonly lastFailure?: string;
  /** LM usage of this run. */
  readonly usage: Usage;
  /** When the task started and the time of this reading, from the task's scheduler (ms). */
  readonly startedAt: number;
  readonly now: number;
  /**
   * The windows the task's criteria read (`StopCriterion.windows`), by `windowKey`: acceptance over the last inputs,
   * scores over the last records, of this run. Absent when no criterion needs one.
   */
  readonly windows?: WindowReadings;
  /** Whether every input of this run was rejected by one config-shaped issue of one block; absent before the first. */
  readonly configIssue?: ConfigIssueStreak;
  /** In a distributed run (`rxdgt run --queue`): what each worker (`<host>:<pid>`) settled in this run. */
  readonly workers?: Readonly<Record<string, WorkerTally>>;
}

/** What one worker of a distributed run settled: inputs, and the records and rejections they made. */
export interface WorkerTally {
  readonly inputs: number;
  readonly records: number;
  readonly rejected: number;
}

/** The progress before any outcome, with `restored` records an earlier run made, keeping the given windows. */
export function initialProgress(now: number, restored = 0, windows: readonly ProgressWindow[] = []): TaskProgress {
  const readings = openWindows(windows);
  return {
    accepted: restored,
    restored,
    rejected: 0,
    failures: 0,
    attempts: 0,
    sinceLastAccepted: 0,
    usage: noUsage,
    startedAt: now,
    now,
    ...(readings ? { windows: readings } : {}),
  };
}

/** The windows and the config-issue streak after one more input: what the quality criteria read. */
function quality(progress: TaskProgress, made: number, lostToFailure: boolean, records: readonly unknown[], rejections: Parameters<typeof extendStreak>[2]) {
  const windows = advanceWindows(progress.windows, { made: made > 0, lostToFailure, records });
  const configIssue = extendStreak(progress.configIssue, made, rejections);
  return { ...(windows ? { windows } : {}), ...(configIssue ? { configIssue } : {}) };
}

/** The progress after one more input settled: its records kept, its rejections, its usage. */
export function settleProgress(progress: TaskProgress, settlement: Settlement, now: number): TaskProgress {
  const { records, rejections, beyondTarget } = settlement;
  const made = records.length;
  const failed = made === 0 && rejections.length > 0 ? rejections.flatMap((rejection) => rejection.issues).find((issue) => issue.code === 'lm_call_failed') : undefined;
  // A progress per committed input: one object literal, every field written (V8 allocates it inline with one shape;
  // `Object.assign` or a spread copies field by field, at several times the cost), the optional ones after.
  const next: { -readonly [K in keyof TaskProgress]: TaskProgress[K] } = {
    accepted: progress.accepted + made,
    restored: progress.restored,
    rejected: progress.rejected + rejections.length,
    failures: progress.failures + (failed ? 1 : 0),
    attempts: progress.attempts + 1,
    sinceLastAccepted: made > 0 ? 0 : progress.sinceLastAccepted + 1,
    usage: addUsage(progress.usage, settlement.usage) ?? progress.usage,
    startedAt: progress.startedAt,
    now,
  };
  const windows = advanceWindows(progress.windows, { made: made + beyondTarget > 0, lostToFailure: failed !== undefined && beyondTarget === 0, records });
  if (windows) next.windows = windows;
  const lastFailure = failed ? failed.message : progress.lastFailure;
  if (lastFailure !== undefined) next.lastFailure = lastFailure;
  const configIssue = extendStreak(progress.configIssue, made + beyondTarget, rejections);
  if (configIssue) next.configIssue = configIssue;
  if (settlement.worker !== undefined) {
    const tally = progress.workers?.[settlement.worker] ?? { inputs: 0, records: 0, rejected: 0 };
    next.workers = { ...progress.workers, [settlement.worker]: { inputs: tally.inputs + 1, records: tally.records + made, rejected: tally.rejected + rejections.length } };
  } else if (progress.workers !== undefined) next.workers = progress.workers;
  return next;
}

/** The progress after one more outcome (an input of one outcome), as `stopWhen` counts a stream of outcomes. */
export function advanceProgress(progress: TaskProgress, outcome: Outcome<unknown>, now: number): TaskProgress {
  const usage = addUsage(progress.usage, outcome.usage) ?? progress.usage;
  switch (outcome.status) {
    case 'restored':
      return { ...progress, accepted: progress.accepted + 1, restored: progress.restored + 1, now };
    case 'accepted':
      return {
        ...progress,
        ...quality(progress, 1, false, [outcome.record], []),
        accepted: progress.accepted + 1,
        attempts: progress.attempts + 1,
        sinceLastAccepted: 0,
        usage,
        now,
      };
    case 'rejected': {
      const failed = outcome.issues.find((issue) => issue.code === 'lm_call_failed');
      return {
        ...progress,
        ...(failed ? { lastFailure: failed.message } : {}),
        ...quality(progress, 0, failed !== undefined, [], [outcome]),
        rejected: progress.rejected + 1,
        failures: progress.failures + (failed ? 1 : 0),
        attempts: progress.attempts + 1,
        sinceLastAccepted: progress.sinceLastAccepted + 1,
        usage,
        now,
      };
    }
  }
}
