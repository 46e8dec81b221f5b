import { type SchedulerLike, asyncScheduler } from 'rxjs';
import { z } from 'zod';
import type { SharedLimits } from './shared-limits.ts';

/** Settings of the admission control shared by every block that uses one credential and endpoint. */
export interface AdmissionConfig {
  /** Hard cap of requests in flight: the largest `call_limit` of the blocks sharing it. */
  readonly maxConcurrency: number;
  /** Requests per minute; unset = no limit, unless response headers give one. @default undefined */
  readonly rpm?: number;
  /** Tokens per minute (prompt + completion); unset = no limit, unless response headers give one. @default undefined */
  readonly tpm?: number;
  /** AIMD: cut the concurrency on 429/503/529 or a timeout, grow it back after a run of successes. @default true */
  readonly adaptive?: boolean;
  /** Multiplier on the concurrency limit at each throttle, in (0, 1). @default 0.75 */
  readonly decrease?: number;
  /** Successes in a row before the limit grows by 1. @default 25 */
  readonly increaseAfter?: number;
  /** Pause of the whole credential after a throttle without `Retry-After`, in ms. @default 2000 */
  readonly cooldownMs?: number;
  /**
   * Requests in flight until the credential's first answer is back (with any rate-limit headers it carries), when
   * neither `rpm` nor `tpm` is set: a fresh endpoint that announces its limits only in headers is not sent a whole
   * wave it would answer 429. Unset: no slow start. `CallPolicy` sets 4.
   */
  readonly initialConcurrency?: number;
  /** Seconds of the rpm/tpm rate a fresh or idle credential may spend at once (60 = a whole minute's quota). @default 1 */
  readonly burstSeconds?: number;
  /** Scheduler for every wait and for `now()`; tests pass a virtual one. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /**
   * Limits shared with other processes (workers on many machines): the rpm and tpm buckets, the concurrency cap (as
   * leases), the pauses, the congestion events and the learned limits live there, and this admission asks it before
   * each start; its queue, slow start and AIMD stay local. A store that cannot be asked fails the request that waited
   * on it. Unset: all local. `shareAdmissions` sets it for every admission a process creates.
   */
  readonly shared?: SharedLimits | undefined;
}

/** The zod twin of {@link AdmissionConfig}, parsed when an admission is created or joined. */
export const admissionConfigSchema = z.object({
  maxConcurrency: z.number().int().min(1),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  adaptive: z.boolean().default(true),
  decrease: z.number().gt(0).lt(1).default(0.75),
  increaseAfter: z.number().int().min(1).default(25),
  cooldownMs: z.number().min(0).default(2000),
  burstSeconds: z.number().gt(0).max(60).default(1),
  initialConcurrency: z.number().int().min(1).optional(),
  scheduler: z
    .custom<SchedulerLike>((value) => typeof (value as SchedulerLike | undefined)?.now === 'function', 'expected a scheduler (asyncScheduler, TestScheduler, ...)')
    .default(asyncScheduler),
  shared: z.custom<SharedLimits>((value) => typeof (value as SharedLimits | undefined)?.take === 'function', 'expected shared limits').optional(),
});

/** The token estimate `Admission.run` takes. */
export const estimateSchema = z.object({ estimatedTokens: z.number().min(0).optional() });

/** What one answer tells admission control: its rate-limit headers and the tokens it spent. */
export interface AdmissionReport {
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly usage?: { readonly promptTokens: number; readonly completionTokens: number } | undefined;
}

/** What one failed request tells admission control: whether the server said "slow down", how long, and its headers. */
export interface AdmissionFailure {
  /** A 429, 503, 529 or a timeout: the credential pauses and its concurrency is cut. */
  readonly throttle: boolean;
  /** The server's `Retry-After`, in ms. */
  readonly retryAfterMs?: number | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** How `Admission.run` reports its request: each report is paired with the request it belongs to. */
export interface AdmissionRunOptions<T> {
  /** TPM tokens charged at start; unset: the average usage reported so far. */
  readonly estimatedTokens?: number | undefined;
  /** What the answer (the request's first value) spent and said: one report per request, however many prompts it carried. */
  readonly reportOf?: (value: T) => AdmissionReport;
  /** What a failure said; undefined for one that says nothing about limits (a refused connection, a 400). */
  readonly failureOf?: (error: unknown) => AdmissionFailure | undefined;
}

/**
 * A read-only snapshot of an {@link Admission}, for logs and tests. Times are the scheduler's. With shared limits the
 * buckets and the pause are the store's: `rpm` and `tpm` show the configured limits, and `pausedUntil`, `rpmAvailable`
 * and `tpmAvailable` are undefined.
 */
export interface AdmissionState {
  /** Requests allowed in flight now (AIMD), between 1 and `maxConcurrency`. */
  readonly concurrency: number;
  readonly maxConcurrency: number;
  /**
   * While the slow start holds (no answer yet, no rpm or tpm set): the requests allowed in flight until the first
   * answer, below `concurrency`. Absent otherwise.
   */
  readonly slowStart?: number;
  /** Requests running. */
  readonly active: number;
  /** Requests waiting to start. */
  readonly queued: number;
  /** Time the pause after a throttle or an exhausted rate limit ends; undefined when not paused. */
  readonly pausedUntil: number | undefined;
  /** Successes in a row since the last throttle or increase. */
  readonly successRun: number;
  /** Requests-per-minute limit in force (configured or learnt from headers); undefined = none. */
  readonly rpm: number | undefined;
  /** Request tokens in the bucket now (negative while in debt); undefined without an rpm limit. */
  readonly rpmAvailable: number | undefined;
  /** Tokens-per-minute limit in force; undefined = none. */
  readonly tpm: number | undefined;
  /** TPM tokens in the bucket now; undefined without a tpm limit. */
  readonly tpmAvailable: number | undefined;
  /** Tokens charged to a request that gives no estimate: the moving average of actual usage. */
  readonly tokensPerRequest: number;
}
