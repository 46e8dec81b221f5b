import { addUsage, noUsage } from '../outcome.ts';
import type { Outcome, Usage } from '../record.ts';
import type { Settlement } from '../store/ledger.ts';

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
}


/** The progress before any outcome, with `restored` records an earlier run made. */
export function initialProgress(now: number, restored = 0): TaskProgress {
  return { accepted: restored, restored, rejected: 0, failures: 0, attempts: 0, sinceLastAccepted: 0, usage: noUsage, startedAt: now, now };
}

/** The progress after one more input settled: its records kept, its rejections, its usage. */
export function settleProgress(progress: TaskProgress, settlement: Settlement, now: number): TaskProgress {
  const made = settlement.records.length;
  const failed = made === 0 ? settlement.rejections.flatMap((rejection) => rejection.issues).find((issue) => issue.code === 'lm_call_failed') : undefined;
  return {
    ...progress,
    ...(failed ? { lastFailure: failed.message } : {}),
    accepted: progress.accepted + made,
    rejected: progress.rejected + settlement.rejections.length,
    failures: progress.failures + (failed ? 1 : 0),
    attempts: progress.attempts + 1,
    sinceLastAccepted: made > 0 ? 0 : progress.sinceLastAccepted + 1,
    usage: addUsage(progress.usage, settlement.usage) ?? progress.usage,
    now,
  };
}

/** The progress after one more outcome (an input of one outcome), as `stopWhen` counts a stream of outcomes. */
export function advanceProgress(progress: TaskProgress, outcome: Outcome<unknown>, now: number): TaskProgress {
  const usage = addUsage(progress.usage, outcome.usage) ?? progress.usage;
  switch (outcome.status) {
    case 'restored':
      return { ...progress, accepted: progress.accepted + 1, restored: progress.restored + 1, now };
    case 'accepted':
      return { ...progress, accepted: progress.accepted + 1, attempts: progress.attempts + 1, sinceLastAccepted: 0, usage, now };
    case 'rejected': {
      const failed = outcome.issues.find((issue) => issue.code === 'lm_call_failed');
      return {
        ...progress,
        ...(failed ? { lastFailure: failed.message } : {}),
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
