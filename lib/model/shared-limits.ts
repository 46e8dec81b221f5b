/**
 * The limits of one credential and endpoint that several processes share (workers on many machines): its rpm and tpm
 * buckets, its concurrency cap (as leases), its pause after a throttle, its congestion events and the limits learned
 * from response headers. An {@link Admission} given one asks it before each start instead of keeping those numbers
 * itself; its queue, its timers, its slow start and its adaptive concurrency (AIMD) stay local. Times are the store's
 * own clock, and request sequences are the store's count of starts over every process.
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { redisSharedLimits } from '../distributed/redis-shared-limits.ts';
 * const limits = redisSharedLimits(new Redis('redis://127.0.0.1:6379'), 'ab12…@https://api.openai.com/v1', { rpm: 600 });
 * const take = await limits.take(900, 64);
 * // { granted: true, lease: '…', sequence: 0, startedAt: 1764434035123 } or { granted: false, waitMs: 87 }
 * ```
 */
export interface SharedLimits {
  /**
   * Starts a request if the shared pause, buckets and cap allow: takes one request token, `tokens` TPM tokens and a
   * concurrency lease (fewer than `cap` leases must be out), held until {@link SharedLimits.release} (or until it
   * lapses when its process dies). Otherwise says how long to wait before asking again. Must settle: a store that
   * does not answer rejects (the admission's queue waits on this answer and fails its head with the error).
   */
  take(tokens: number, cap: number): Promise<SharedTake>;
  /** Gives a lease back, and trues the TPM bucket up by `tokenDelta` (tokens spent − tokens charged at start). */
  release(lease: string, tokenDelta: number): Promise<void>;
  /** Charges the TPM bucket `tokens` (a refund when negative): a usage reported after its lease went back. */
  charge(tokens: number): Promise<void>;
  /** What one answer's rate-limit headers said (ignored when a newer request's answer was learned already). */
  learn(reading: SharedReading): Promise<void>;
  /** Pauses every process's requests for `ms` from now (never shortens a longer pause). */
  pause(ms: number): Promise<void>;
  /**
   * A throttle of the request started `sequence`-th: a new congestion event unless the request started before the
   * current event began. A new event pauses everyone for `retryAfterMs` (or `cooldownMs` without one) and resolves
   * true (the caller cuts its concurrency once); within an event, only a `retryAfterMs` extends the pause.
   */
  throttle(sequence: number, retryAfterMs: number | undefined, cooldownMs: number): Promise<boolean>;
}

/** A start allowed (its lease, its sequence among every process's starts, the store's time) or refused (the wait). */
export type SharedTake =
  | { readonly granted: true; readonly lease: string; readonly sequence: number; readonly startedAt: number }
  | { readonly granted: false; readonly waitMs: number };

/** Limits and counts read from one answer's headers, and which request it answered. */
export interface SharedReading {
  /** The answered request's sequence; absent for headers not tied to a request (read as current). */
  readonly sequence?: number | undefined;
  readonly rpm?: number | undefined;
  readonly tpm?: number | undefined;
  /** What the server said remains; the store takes off the requests started after `sequence`. */
  readonly remainingRequests?: number | undefined;
  readonly remainingTokens?: number | undefined;
  /** The TPM charge of each request started after `sequence`, taken off `remainingTokens`. */
  readonly tokensPerRequest: number;
  /** A limit the server says is spent: pause everyone for this long (unless the reading is stale). */
  readonly pauseMs?: number | undefined;
  /** When the answered request started (store time): the remaining counts are as of then, refilled since. */
  readonly startedAt?: number | undefined;
}
