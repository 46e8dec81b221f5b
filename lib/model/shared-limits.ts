/**
 * The limits of one credential and endpoint that several processes share (workers on many machines): its rpm and tpm
 * buckets, its concurrency cap, its pause after a throttle, and the limits learned from response headers. An
 * {@link Admission} given one asks it before each start instead of keeping those numbers itself; its queue, its
 * timers and its adaptive concurrency stay local. Times are the store's own clock (all processes read one).
 */
export interface SharedLimits {
  /**
   * Starts a request if the shared pause, buckets and concurrency cap allow: takes one request token, `tokens` TPM
   * tokens and a concurrency lease (held until {@link SharedLimits.release}, or until `leaseMs` pass if its process
   * dies). Otherwise says how long to wait before asking again.
   */
  take(tokens: number): Promise<SharedTake>;
  /** Gives a lease back, and trues the TPM bucket up by `tokenDelta` (tokens spent − tokens charged at start). */
  release(lease: string, tokenDelta: number): Promise<void>;
  /** What a response's headers said: a limit (adopted when none is configured) and the count remaining. */
  learn(reading: SharedReading): Promise<void>;
  /** Pauses every process's requests for `ms` from now (never shortens a longer pause). */
  pause(ms: number): Promise<void>;
  /**
   * A throttle of a request started at `startedAt` (store time): a new congestion event unless the request was
   * already in flight when the current one began. A new event pauses everyone for `ms`; resolves whether it was new.
   */
  throttle(startedAt: number, ms: number): Promise<boolean>;
}

/** A start allowed (with its lease and the store's time) or refused (with the wait before asking again). */
export type SharedTake =
  | { readonly granted: true; readonly lease: string; readonly startedAt: number }
  | { readonly granted: false; readonly waitMs: number };

/** Limits and counts read from one response's headers. */
export interface SharedReading {
  readonly rpm?: number | undefined;
  readonly tpm?: number | undefined;
  readonly remainingRequests?: number | undefined;
  readonly remainingTokens?: number | undefined;
}
