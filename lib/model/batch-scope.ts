import { AsyncLocalStorage } from 'node:async_hooks';
import type { BatchJournal } from './batch-api.ts';

/**
 * The task input a model call is made for, as a batch model needs it: the input's id (the `custom_id` of its
 * requests starts with it), the task's journal of pending batches, and how to fail the task's run (a batch the
 * provider rejects as a whole ends the run, not the record).
 */
export interface BatchScope {
  /** The input's ticket id (`<sequence>-<hash>`). */
  readonly inputId: string;
  /** The task's pending batches (its ledger's), so a restarted run finds their results; none: nothing is kept. */
  readonly journal: BatchJournal | undefined;
  /** Ends the task's run with this error (exit 1); what was settled stays committed. */
  readonly fail: (error: unknown) => void;
}

const storage = new AsyncLocalStorage<BatchScope>();
// Whether a batch model exists in this process: until one does, no scope is entered, so async context tracking (a
// cost on every promise and timer) stays off for runs without batch jobs.
let wanted = false;

/** Called by each batch model as it is made: from then on, each input's work runs in its scope. */
export function wantBatchScopes(): void {
  wanted = true;
}

/**
 * Whether inputs need a scope: a batch model exists in this process. Until one does, a caller may skip making the
 * scope (and the closure of its work) and run the work itself, as {@link withinBatchScope} would.
 *
 * ## Example
 * ```ts
 * if (batchScopesWanted()) withinBatchScope({ inputId, journal, fail }, () => inputs.next(input));
 * else inputs.next(input);
 * ```
 */
export function batchScopesWanted(): boolean {
  return wanted;
}

/**
 * Runs `work` with `scope` as the current input: every model call `work` starts, synchronously or from the promises
 * and timers it creates, sees it through {@link currentBatchScope}. `TaskRun` hands each input to its builder inside
 * one, so blocks and operators never pass the input id themselves.
 *
 * ## Example
 * ```ts
 * withinBatchScope({ inputId: '0-ab12', journal, fail }, () => inputs.next(input));
 * // a batch model called by the builder keys the request `0-ab12_<hash>_0`
 * ```
 */
export function withinBatchScope<T>(scope: BatchScope, work: () => T): T {
  return wanted ? storage.run(scope, work) : work();
}

/** The input the current model call is made for; undefined outside a task's run (a call made in code). */
export function currentBatchScope(): BatchScope | undefined {
  return storage.getStore();
}
