import { Observable, type SchedulerLike, timer } from 'rxjs';
import { z } from 'zod';
import { ApiCallError } from '../errors/api-call-error.ts';
import { RetryError } from '../errors/retry-error.ts';
import { parseConfig } from '../parse-config.ts';
import { randomSchema, schedulerSchema } from '../schemas.ts';
import { startAbortable } from './abortable.ts';
import type { CallOptions } from './language-model.ts';
import type { Admission, AdmissionFailure, AdmissionReport } from './admission.ts';
import { admissionFor } from './admission-registry.ts';
import { Limiter } from './limiter.ts';

/** Settings of a {@link CallPolicy}: the block's concurrency cap, its retries and the credential's rate limits. */
export interface CallPolicyConfig {
  /** Most calls in flight at once through this policy (DGT's `call_limit`). @default 10 */
  readonly callLimit?: number;
  /** Extra tries after a retryable failure (408, 409, 429, 5xx, connection errors). @default 3 */
  readonly maxRetries?: number;
  /** First backoff delay in ms; doubles per try, with jitter, capped at 30 s. `Retry-After` wins. @default 500 */
  readonly retryDelayMs?: number;
  /** Requests per minute for the credential and endpoint; unset: none, unless rate-limit headers give one. */
  readonly rpm?: number | undefined;
  /** Tokens per minute for the credential and endpoint; unset: none, unless the headers give one. */
  readonly tpm?: number | undefined;
  /** Adaptive concurrency (AIMD) of the credential's admission. @default true */
  readonly adaptive?: boolean;
  /** Scheduler for backoff waits and admission; tests pass a virtual one. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
  /**
   * Requests in flight until the credential's first answer is back, unless `rpm` or `tpm` is set: a fresh endpoint
   * that announces its limits only in headers is not sent a whole wave it would answer 429. @default 4
   */
  readonly initialConcurrency?: number;
}

const callPolicyConfigSchema = z.object({
  callLimit: z.number().int().min(1).default(10),
  maxRetries: z.number().int().min(0).default(3),
  retryDelayMs: z.number().min(0).default(500),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  adaptive: z.boolean().default(true),
  scheduler: schedulerSchema,
  random: randomSchema,
  initialConcurrency: z.number().int().min(1).default(4),
});

/** Where calls go: the credential and endpoint whose admission control the policy shares. */
export interface CallTarget {
  /** Opaque credential id (never the key); absent without one. */
  readonly credential?: string | undefined;
  readonly endpoint: string;
}

/** What one answer tells admission control: its rate-limit headers and the tokens it spent. */
export type CallReport = AdmissionReport;

/** Running totals of one policy. */
export interface CallPolicyStats {
  /** Requests sent, retries included. */
  readonly requests: number;
  readonly retries: number;
  /** Calls that failed for good, after their retries. */
  readonly failures: number;
}

/** The admission key of a target: every model (LM or embedding) with this credential and endpoint shares one admission. */
export function admissionKey(target: CallTarget): string {
  return `${target.credential ?? 'no-credential'}@${target.endpoint}`;
}

/** Failures that mean "slow down": the credential pauses and its concurrency is cut. */
function isThrottle(error: ApiCallError): boolean {
  return (error.statusCode === 429 || error.statusCode === 503 || error.statusCode === 529 || error.statusCode === 408);
}

const maxRetryAfterMs = 60_000;

/** What a failure tells admission: a throttle pauses the credential (a Retry-After over a minute is not taken). */
function failureOf(error: unknown): AdmissionFailure | undefined {
  if (!ApiCallError.isInstance(error)) return undefined;
  const throttle = isThrottle(error);
  if (!throttle && error.headers === undefined) return undefined;
  const retryAfterMs = error.retryAfterMs !== undefined && error.retryAfterMs <= maxRetryAfterMs ? error.retryAfterMs : undefined;
  return { throttle, retryAfterMs, headers: error.headers };
}

const maxBackoffMs = 30_000;

/** Who hears how a call started with {@link CallPolicy.startCall} ends: an answer then `complete`, or an `error`. */
export interface CallHandlers<T> {
  next(value: T): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * The policies every model call goes through, whatever it returns: the block's concurrency cap ({@link Limiter}),
 * the admission control of its credential and endpoint (shared by every block that calls them, LM or embedding),
 * and retries with exponential backoff that honour `Retry-After`. A middleware: `run` wraps one promise-returning
 * call into a cold, cancellable observable; engines compose it with their cache.
 *
 * ## Example
 * ```ts
 * import { CallPolicy } from 'rxdgt';
 * const policy = new CallPolicy({ endpoint: 'http://127.0.0.1:11434' }, { callLimit: 4, maxRetries: 2 });
 * policy.run((signal) => fetch('http://127.0.0.1:11434/api/version', { signal }).then((r) => r.json()), () => ({})).subscribe();
 * // one request, retried up to twice on 429/5xx, never more than 4 at once
 * ```
 *
 * @throws {ConfigError} when the config is invalid, at construction.
 */
export class CallPolicy {
  readonly limiter: Limiter;
  /** Admission control shared by every policy with this credential and endpoint. */
  readonly admission: Admission;
  private readonly config: z.output<typeof callPolicyConfigSchema>;
  private readonly counters = { requests: 0, retries: 0, failures: 0 };

  constructor(target: CallTarget, config: CallPolicyConfig = {}) {
    this.config = parseConfig('call policy', callPolicyConfigSchema, config);
    const { callLimit, rpm, tpm, adaptive, scheduler, initialConcurrency } = this.config;
    this.limiter = new Limiter(callLimit);
    this.admission = admissionFor(admissionKey(target), {
      maxConcurrency: callLimit,
      adaptive,
      scheduler,
      initialConcurrency,
      ...(rpm === undefined ? {} : { rpm }),
      ...(tpm === undefined ? {} : { tpm }),
    });
  }

  get callLimit(): number {
    return this.config.callLimit;
  }

  /** A snapshot of the running totals. */
  get stats(): CallPolicyStats {
    return { ...this.counters };
  }

  /**
   * One call through the limiter and the credential's admission, retried on its own: a `RetryError` carries every
   * attempt once the retries run out. `reportOf` tells admission what the answer spent and said: one report per HTTP
   * request, however many prompts it carried. Cold; unsubscribing aborts the call's signal.
   */
  run<T>(call: (signal: AbortSignal) => Promise<T>, reportOf: (result: T) => CallReport): Observable<T> {
    return this.runCall((options) => call(options.signal), reportOf);
  }

  /**
   * {@link CallPolicy.run} for a call that takes its {@link CallOptions} whole: their signal is made only when the
   * call reads it (an offline model never does), so a call nobody can abort costs no AbortController.
   */
  runCall<T>(call: (options: CallOptions) => Promise<T>, reportOf: (result: T) => CallReport): Observable<T> {
    return new Observable<T>((subscriber) => this.startCall(call, reportOf, subscriber));
  }

  /**
   * {@link CallPolicy.runCall} without an Observable of its own, for a caller that has one already (an engine's call:
   * one subscription per record fewer). Starts at once: `handlers` hear of the answer (`next`, then `complete`) or of
   * the failure (`error`), once; the function returned stops the call (its try aborted, or its backoff wait ended)
   * and nothing is heard of it after, a stop from inside `next` included. Handlers must not throw: the call's slots
   * are given back, and the error reaches the process as an unhandled rejection.
   */
  startCall<T>(call: (options: CallOptions) => Promise<T>, reportOf: (result: T) => CallReport, handlers: CallHandlers<T>): () => void {
    // Retries by hand, not by `retry` and `catchError`: a call per record, and most succeed at their first try.
    const errors: unknown[] = [];
    let retries = 0;
    // The try in flight, or the backoff wait before the next one.
    let stop: (() => void) | undefined;
    const giveUp = (error: unknown): void => {
      this.counters.failures += 1;
      const all = errors.at(-1) === error ? errors : [...errors, error];
      if (all.length === 1) return handlers.error(error);
      // Retries stop either because they ran out or because the last error is not worth another try.
      const reason = ApiCallError.isInstance(error) && error.isRetryable ? 'max_retries_exceeded' : 'not_retryable';
      handlers.error(new RetryError(reason, all));
    };
    const start = (): void => {
      stop = this.attempt(call, reportOf, handlers, (error) => {
        if (retries >= this.config.maxRetries) return giveUp(error);
        retries += 1;
        const wait = this.backoff(error, retries, errors);
        if (wait === undefined) return giveUp(error);
        let waiting = true;
        const backoff = timer(wait, this.config.scheduler).subscribe(() => {
          waiting = false;
          start();
        });
        // A scheduler that fires at once has started the next try already: that try is what to stop.
        if (waiting) stop = () => backoff.unsubscribe();
      });
    };
    start();
    return () => stop?.();
  }

  /**
   * One try: a slot of the limiter, then admission, then the call with its own `OnDemandSignal`. An answer is
   * passed on to `handlers` (then they complete); a failure to `failed`. The try ends (its call aborted if pending,
   * then admission's slot freed, then the limiter's, as `limiter.run(() => admission.run(...))` would) once
   * `handlers` or `failed` have been told, or when the returned function is called first.
   */
  private attempt<T>(call: (options: CallOptions) => Promise<T>, reportOf: (result: T) => CallReport, handlers: CallHandlers<T>, failed: (error: unknown) => void): () => void {
    this.counters.requests += 1;
    let ended = false;
    let abort: (() => void) | undefined;
    let leave: (() => void) | undefined;
    let release: (() => void) | undefined;
    const end = (): void => {
      if (ended) return;
      ended = true;
      abort?.();
      leave?.();
      release?.();
    };
    const taken = this.limiter.acquire(() => {
      leave = this.admission.enter(
        undefined,
        (ticket) => {
          abort = startAbortable(
            call,
            (value) => {
              // Ended meanwhile: the call was aborted, and its end is nobody's.
              if (ended) return;
              try {
                this.admission.delivered(ticket, value, reportOf);
              } catch (error) {
                // A report that cannot be read fails the request rather than losing its answer unseen.
                failed(error);
                return end();
              }
              // `delivered` told admission the request was answered: nothing is left to tell it on completion. The
              // slots are given back whatever the handlers do (a `next` that cancels the call, or one that throws).
              try {
                handlers.next(value);
                if (!ended) handlers.complete();
              } finally {
                end();
              }
            },
            (error) => {
              if (ended) return;
              this.admission.failed(ticket, error, failureOf);
              failed(error);
              end();
            },
          );
        },
        (error) => {
          failed(error);
          end();
        },
      );
    });
    // Ended before the limiter's slot was known (admission failed at once): the slot goes back now.
    if (ended) taken();
    else release = taken;
    return end;
  }

  /** The wait before retry number `tries` of a failed call; undefined when the error is not worth another try. */
  private backoff(error: unknown, tries: number, errors: unknown[]): number | undefined {
    errors.push(error);
    // Admission has read the failure (`failureOf`): every request of the credential waits out a throttle, and the
    // retry re-enters admission behind it.
    if (!ApiCallError.isInstance(error) || !error.isRetryable) return undefined;
    this.counters.retries += 1;
    const exponential = Math.min(maxBackoffMs, this.config.retryDelayMs * 2 ** (tries - 1));
    // Like the AI SDK, a server's Retry-After is honoured up to a minute; longer asks fall back to backoff.
    const asked = error.retryAfterMs !== undefined && error.retryAfterMs <= maxRetryAfterMs ? error.retryAfterMs : undefined;
    return asked ?? exponential * (0.5 + this.config.random() / 2);
  }
}
