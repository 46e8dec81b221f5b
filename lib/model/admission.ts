import { Observable, type Subscription, defer, timer } from 'rxjs';
import type { z } from 'zod';
import { parseConfig } from '../parse-config.ts';
import { AimdController } from './admission-aimd.ts';
import {
  type AdmissionConfig,
  type AdmissionFailure,
  type AdmissionReport,
  type AdmissionRunOptions,
  type AdmissionState,
  admissionConfigSchema,
  estimateSchema,
} from './admission-config.ts';
import { type RateLimitReading, parseRateLimitHeaders } from './admission-headers.ts';
import { TokenBucket } from './admission-token-bucket.ts';
import type { SharedLimits } from './shared-limits.ts';
import { SlotCount } from './slot-count.ts';

export type { AdmissionConfig, AdmissionFailure, AdmissionReport, AdmissionRunOptions, AdmissionState } from './admission-config.ts';

/** A request waiting in the queue: its TPM charge, how to start it, and how to end it unstarted. */
interface Waiting {
  readonly tokens: number | undefined;
  readonly start: (ticket: AdmissionTicket) => void;
  /** Ends the request without starting it: the shared limits could not be asked. */
  readonly fail: (error: unknown) => void;
}

/**
 * A started request, as its reports find it: its place among the starts, its start time and its TPM charge (with
 * shared limits: among every process's starts, on the store's clock), and its lease of the shared limits.
 */
export interface AdmissionTicket {
  readonly sequence: number;
  readonly startedAt: number;
  readonly charged: number;
  readonly lease?: SharedLease;
}

/** A shared concurrency lease: the TPM true-up it gives back with it, and whether it went back. */
interface SharedLease {
  readonly id: string;
  owed: number;
  released: boolean;
}

// Delivered requests whose usage has not been reported yet, oldest first; bounded so that an engine that
// never reports cannot grow it without end.
const maxUnreported = 1024;
// Weight of the newest usage in the per-request token average.
const averageWeight = 0.2;

/** `bucket` at a newly stated per-minute `rate` (a learned one resized, keeping its tokens), or a new one. */
function atRate(bucket: TokenBucket | undefined, rate: number, now: number, burstSeconds: number): TokenBucket {
  if (bucket === undefined) return new TokenBucket(rate, now, burstSeconds);
  bucket.resize(rate, now);
  return bucket;
}

/** A server's `Retry-After` in ms, if it is one (finite, not negative). */
const retryAfterOf = (ms: number | undefined): number | undefined => (ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms : undefined);

/**
 * Admission control for one credential and endpoint: a concurrency limit that adapts (AIMD) under a hard cap,
 * optional RPM and TPM token buckets, and a pause of every request after a throttle. Requests start in FIFO
 * order; a head-of-line request waiting for tokens (a large TPM estimate, say) holds up the ones behind it,
 * even those that would fit, so that a big request is never starved by small ones. With `shared` limits, the
 * buckets, the cap (as leases), the pauses, the congestion events and the learned limits are a store's, shared by
 * every process of the credential and endpoint; the queue, the slow start and AIMD stay in this process.
 *
 * ## Example
 * ```ts
 * import { of, tap } from 'rxjs';
 * import { admissionFor } from 'rxdgt';
 * const admission = admissionFor('3f9a…:https://api.openai.com/v1', { maxConcurrency: 8, rpm: 600 });
 * admission
 *   .run(() => of('answer'), 1200)
 *   .pipe(tap(() => admission.succeeded({ promptTokens: 900, completionTokens: 100 })))
 *   .subscribe((answer) => answer);
 * // 'answer', at once; once 600 requests have started within a minute, the next waits up to 100 ms for a token
 * ```
 *
 * @see admissionFor
 */
export class Admission {
  private readonly config: z.output<typeof admissionConfigSchema>;
  private readonly aimd: AimdController;
  private readonly queue: Waiting[] = [];
  private readonly unreported: AdmissionTicket[] = [];
  private requestBucket: TokenBucket | undefined;
  private tokenBucket: TokenBucket | undefined;
  /** The tightest `rpm` and `tpm` any block of the credential stated (a stated limit is not overridden by headers). */
  private stated: { rpm: number | undefined; tpm: number | undefined };
  private readonly slots = new SlotCount();
  private pausedUntilTime = Number.NEGATIVE_INFINITY;
  private lastCutAt = Number.NEGATIVE_INFINITY;
  // The first request started after the congestion event in force began: a throttle of one before it belongs to it.
  private congestionFrom = 0;
  private started = 0;
  // The newest request whose headers were learned: an older one's `remaining` is stale, the server has refilled since.
  private learnedFrom = -1;
  // Whether any request has settled yet: until then, `initialConcurrency` bounds the requests in flight.
  private answered = false;
  private averageTokens: number | undefined;
  private wake: Subscription | undefined;
  private wakeTime = Number.POSITIVE_INFINITY;
  private pumping = false;
  private pumpAgain = false;
  private readonly shared: SharedLimits | undefined;
  // Whether the shared limits are being asked for the head of the queue: one question at a time.
  private asking = false;

  constructor(config: AdmissionConfig) {
    this.config = parseConfig('admission', admissionConfigSchema, config);
    this.shared = this.config.shared;
    const now = this.now();
    this.aimd = new AimdController(this.config.maxConcurrency, this.config.decrease, this.config.increaseAfter);
    this.stated = { rpm: this.config.rpm, tpm: this.config.tpm };
    // Shared: the buckets are the store's.
    if (this.config.rpm !== undefined && this.shared === undefined) this.requestBucket = atRate(undefined, this.config.rpm, now, this.config.burstSeconds);
    if (this.config.tpm !== undefined && this.shared === undefined) this.tokenBucket = atRate(undefined, this.config.tpm, now, this.config.burstSeconds);
  }

  /**
   * Runs `work` once a slot, a request token and the TPM tokens are there and no pause is in force. Cold and
   * cancellable: unsubscribing while queued leaves the queue without starting; unsubscribing while running tears the
   * work down (aborting it), then frees the slot. `options` (or a bare token estimate) says what to charge and how to
   * read the answer and the failures: reports given through `reportOf` and `failureOf` are paired with this request
   * (rate-limit headers are read knowing which requests started after it; a throttle of a request that was already
   * in flight when a congestion event began is part of that event: one cut, one pause). Without `reportOf`, report
   * with {@link Admission.succeeded}. Tokens are taken when the request starts and are not refunded on error.
   */
  run<T>(work: () => Observable<T>, options?: number | AdmissionRunOptions<T>): Observable<T> {
    const settings: AdmissionRunOptions<T> = typeof options === 'object' ? options : { estimatedTokens: options };
    // Checked only when given: most requests give none, and this runs once per request.
    const tokens = settings.estimatedTokens === undefined ? undefined : parseConfig('admission.run', estimateSchema, { estimatedTokens: settings.estimatedTokens }).estimatedTokens;
    const { reportOf, failureOf } = settings;
    return new Observable<T>((subscriber) => {
      let inner: Subscription | undefined;
      const leave = this.enter(
        tokens,
        (ticket) => {
          let delivered = false;
          // Its own subscriber, so teardown ends the work (aborting its request) before the slot passes on;
          // `defer` turns a throwing factory into an error, which frees the slot like any other.
          inner = defer(work).subscribe({
            next: (value) => {
              // The first value is the answer: it reports (or the engine does next, paired in queue order).
              if (!delivered) {
                delivered = true;
                try {
                  this.delivered(ticket, value, reportOf);
                } catch (error) {
                  // A report that cannot be read fails the request rather than losing its answer unseen.
                  subscriber.error(error);
                  return;
                }
              }
              subscriber.next(value);
            },
            error: (error: unknown) => {
              this.failed(ticket, error, failureOf);
              subscriber.error(error);
            },
            complete: () => {
              this.completed();
              subscriber.complete();
            },
          });
        },
        (error) => subscriber.error(error),
      );
      return () => {
        inner?.unsubscribe();
        leave();
      };
    });
  }

  /**
   * Queues one request for admission, as `run` does, for callers that drive their work without an Observable per
   * layer (the call policy): `start` runs once the request is admitted, with its ticket; `fail` ends it unstarted
   * (the shared limits could not be asked). The returned function leaves the queue when not started yet, and frees
   * the slot when started (once); end the work first. Tell how the work ended with `delivered`, `failed` or `completed`.
   */
  enter(tokens: number | undefined, start: (ticket: AdmissionTicket) => void, fail: (error: unknown) => void): () => void {
    let release: (() => void) | undefined;
    const waiting: Waiting = {
      tokens,
      fail,
      start: (ticket) => {
        release = this.releaseOf(ticket, this.slots.take(() => this.pump()));
        start(ticket);
      },
    };
    this.queue.push(waiting);
    this.pump();
    return () => {
      const index = this.queue.indexOf(waiting);
      if (index >= 0) {
        this.queue.splice(index, 1);
        // A removed head may have been what held the others up.
        if (index === 0) this.pump();
      }
      release?.();
    };
  }

  /**
   * A started request's answer: reported through `reportOf` (its headers and usage, paired with this request), or,
   * without one, expected from {@link Admission.succeeded}. Throws what `reportOf` throws, unreported.
   */
  delivered<T>(ticket: AdmissionTicket, answer: T, reportOf: ((value: T) => AdmissionReport) | undefined): void {
    this.answered = true;
    if (reportOf === undefined) this.expectReport(ticket);
    else this.report(ticket, reportOf(answer));
  }

  /** A started request failed: what `failureOf` reads in the error (a throttle, headers) is taken in. */
  failed(ticket: AdmissionTicket, error: unknown, failureOf: ((error: unknown) => AdmissionFailure | undefined) | undefined): void {
    const failure = failureOf?.(error);
    this.answered = true;
    if (failure !== undefined) this.fail(ticket, failure);
  }

  /** A started request's work completed. */
  completed(): void {
    this.answered = true;
  }

  /**
   * Reports a successful request: counts toward the run of successes that grows the limit, and charges the
   * TPM bucket the difference between the actual tokens and the estimate taken at start. A report pairs
   * with the oldest answer delivered and not yet reported, so report in the answer's own path (`map`, `tap`).
   */
  succeeded(usage?: { readonly promptTokens: number; readonly completionTokens: number }): void {
    this.settle(this.unreported.shift(), usage);
    this.pump();
  }

  /**
   * Reports a throttle (429, 503, 529) or a timeout: cuts the concurrency limit (when adaptive; at most once per
   * `cooldownMs`, so one burst of 429s is one cut) and pauses the
   * whole credential until now + (`retryAfterMs` ?? `cooldownMs`); every queued and new request waits, and
   * the ones already running go on.
   */
  throttled(retryAfterMs?: number): void {
    this.cut();
    this.pauseFor(this.waitOf(retryAfterMs));
  }

  /**
   * One congestion event, one cut: the 429s of requests that were already in flight arrive together and would
   * otherwise cut 64 → 1 at once. Cuts are at least a cooldown apart.
   */
  private cut(): void {
    const now = this.now();
    if (this.config.adaptive && now >= this.lastCutAt + this.config.cooldownMs) {
      this.aimd.throttle();
      this.lastCutAt = now;
    }
  }

  /** The pause a throttle asks for: its `Retry-After`, else the cooldown. */
  private waitOf(retryAfterMs: number | undefined): number {
    return retryAfterOf(retryAfterMs) ?? this.config.cooldownMs;
  }

  /**
   * Learns limits from response headers (OpenAI `x-ratelimit-*`, Anthropic `anthropic-ratelimit-*`): a limit
   * unset in the config is adopted from them; the bucket is lowered to what the server says remains; and a
   * remaining count of 0 pauses the credential until the reset (or for `cooldownMs` without one). Headers of a request run through {@link Admission.run} are better given by its
   * `reportOf`: they are then read knowing which requests started after it.
   */
  observeHeaders(headers: Readonly<Record<string, string>>): void {
    if (this.shared !== undefined) this.learnShared(this.shared, headers, undefined);
    else this.learnFrom(headers, 0);
    this.pump();
  }

  /**
   * Another block shares this admission: its config is checked, a larger `maxConcurrency` raises the cap (never lowers
   * it), and an `rpm` or `tpm` tighter than the one in force (or the first stated) applies from now on: the limits are
   * the credential's, so the tightest any block states holds. Its other settings are ignored; the first block's stay.
   * With shared limits, the rates stay those the store was made with.
   *
   * @throws ConfigError when the config is invalid.
   */
  join(config: AdmissionConfig): void {
    const joined = parseConfig('admission', admissionConfigSchema, config);
    this.aimd.raiseCap(joined.maxConcurrency);
    // A block that knows its limits needs no slow start: the wave it would hold back is paced by its buckets.
    if (joined.rpm !== undefined || joined.tpm !== undefined) this.answered = true;
    if (this.shared === undefined) {
      if (this.tighter('rpm', joined.rpm)) this.requestBucket = atRate(this.requestBucket, joined.rpm!, this.now(), this.config.burstSeconds);
      if (this.tighter('tpm', joined.tpm)) this.tokenBucket = atRate(this.tokenBucket, joined.tpm!, this.now(), this.config.burstSeconds);
    }
    this.pump();
  }

  /** Whether `rate` is stated and tighter than the `limit` in force (or the first stated): it is then the one in force. */
  private tighter(limit: 'rpm' | 'tpm', rate: number | undefined): boolean {
    if (rate === undefined || (this.stated[limit] !== undefined && rate >= this.stated[limit])) return false;
    this.stated[limit] = rate;
    return true;
  }

  get state(): AdmissionState {
    const now = this.now();
    return {
      concurrency: this.aimd.limit,
      ...(this.limit() < this.aimd.limit ? { slowStart: this.limit() } : {}),
      maxConcurrency: this.aimd.cap,
      active: this.slots.active,
      queued: this.queue.length,
      pausedUntil: this.pausedUntilTime > now ? this.pausedUntilTime : undefined,
      successRun: this.aimd.successRun,
      rpm: this.requestBucket?.rate ?? this.stated.rpm,
      rpmAvailable: this.requestBucket?.available(now),
      tpm: this.tokenBucket?.rate ?? this.stated.tpm,
      tpmAvailable: this.tokenBucket?.available(now),
      tokensPerRequest: this.averageTokens ?? 0,
    };
  }

  /** Requests allowed in flight now: the AIMD limit, or the slow start's until the first answer. */
  private limit(): number {
    const { initialConcurrency } = this.config;
    const { rpm, tpm } = this.stated;
    if (this.answered || initialConcurrency === undefined || rpm !== undefined || tpm !== undefined) return this.aimd.limit;
    return Math.min(this.aimd.limit, initialConcurrency);
  }

  private now(): number {
    return this.config.scheduler.now();
  }

  private learn(bucket: TokenBucket | undefined, configured: number | undefined, limit: number | undefined, remaining: number | undefined, now: number, readAt = now, spentSince = 0) {
    let learnt = bucket;
    if (configured === undefined && limit !== undefined && limit > 0 && learnt?.rate !== limit) learnt = atRate(learnt, limit, now, this.config.burstSeconds);
    if (remaining !== undefined) learnt?.clamp(remaining, now, readAt, spentSince);
    return learnt;
  }

  private pauseFor(ms: number): void {
    if (this.shared !== undefined) return this.tell(this.shared.pause(ms));
    this.pausedUntilTime = Math.max(this.pausedUntilTime, this.now() + ms);
  }

  /** A success's usage: the moving average, the TPM charge trued up to what was spent, and a success for AIMD. */
  private settle(ticket: AdmissionTicket | undefined, usage: AdmissionReport['usage']): void {
    if (usage !== undefined) {
      const actual = usage.promptTokens + usage.completionTokens;
      this.averageTokens = this.averageTokens === undefined ? actual : this.averageTokens + averageWeight * (actual - this.averageTokens);
      const owed = actual - (ticket?.charged ?? 0);
      if (this.shared === undefined) this.tokenBucket?.take(owed, this.now());
      // Shared: given back with the lease, or on its own when the lease went back already (or there was none).
      else if (ticket?.lease !== undefined && !ticket.lease.released) ticket.lease.owed += owed;
      else this.tell(this.shared.charge(owed));
    }
    if (this.config.adaptive) this.aimd.success();
  }

  private report(ticket: AdmissionTicket, report: AdmissionReport): void {
    if (report.headers !== undefined) this.learnFromTicket(report.headers, ticket);
    this.settle(ticket, report.usage);
    this.pump();
  }

  private fail(ticket: AdmissionTicket, failure: AdmissionFailure): void {
    if (failure.headers !== undefined) this.learnFromTicket(failure.headers, ticket);
    if (failure.throttle && this.shared !== undefined) {
      // The store tells the events apart, over every process; the process that saw a new one cuts its own concurrency.
      const told = this.shared.throttle(ticket.sequence, retryAfterOf(failure.retryAfterMs), this.config.cooldownMs);
      this.tell(
        told.then((isNew) => {
          if (isNew) this.cut();
        }),
      );
    } else if (failure.throttle && ticket.sequence >= this.congestionFrom) {
      // A new congestion event: one cut, and a pause for its Retry-After (or the cooldown).
      this.congestionFrom = this.started;
      this.throttled(failure.retryAfterMs);
    } else if (failure.throttle && failure.retryAfterMs !== undefined) {
      // A request already in flight when the event began is part of it: no second cut, and no cooldown of its own;
      // only a server asking for a later time than the event's pause extends it.
      this.pauseFor(this.waitOf(failure.retryAfterMs));
    }
    this.pump();
  }

  /** Headers of a ticket's answer: learned, unless a newer request's were (its `remaining` is then stale). */
  private learnFromTicket(headers: Readonly<Record<string, string>>, ticket: AdmissionTicket): void {
    if (this.shared !== undefined) return this.learnShared(this.shared, headers, ticket.sequence, ticket.startedAt);
    if (ticket.sequence < this.learnedFrom) return;
    this.learnedFrom = ticket.sequence;
    this.learnFrom(headers, this.started - ticket.sequence - 1, ticket.startedAt);
  }

  /**
   * Rate-limit headers: adopts the limits unset in the config, lowers each bucket to what the server says remains
   * less the `startedSince` requests started after the one answered (the server had not counted them yet), and
   * pauses until the reset when the server says a limit is spent.
   */
  private learnFrom(headers: Readonly<Record<string, string>>, startedSince: number, readAt?: number): void {
    const now = this.now();
    const { requests, tokens } = parseRateLimitHeaders(headers, now);
    this.requestBucket = this.learn(this.requestBucket, this.stated.rpm, requests.limit, requests.remaining, now, readAt, startedSince);
    this.tokenBucket = this.learn(this.tokenBucket, this.stated.tpm, tokens.limit, tokens.remaining, now, readAt, startedSince * (this.averageTokens ?? 0));
    // The server itself said the limit was spent: nothing goes until it had room again (counted from when it said so).
    const wait = spentWaitMs(requests, tokens, this.config.cooldownMs);
    const left = wait === undefined ? 0 : wait - (now - (readAt ?? now));
    if (left > 0) this.pauseFor(left);
  }

  /**
   * Shared: the headers go to the store, which drops them when a newer request's were learned and takes off
   * `remaining` the requests every process started after this one.
   */
  private learnShared(shared: SharedLimits, headers: Readonly<Record<string, string>>, sequence: number | undefined, startedAt?: number): void {
    const { requests, tokens } = parseRateLimitHeaders(headers, this.now());
    const wait = spentWaitMs(requests, tokens, this.config.cooldownMs);
    this.tell(
      shared.learn({
        sequence,
        startedAt,
        rpm: requests.limit,
        tpm: tokens.limit,
        remainingRequests: requests.remaining,
        remainingTokens: tokens.remaining,
        tokensPerRequest: this.averageTokens ?? 0,
        pauseMs: wait,
      }),
    );
  }

  /**
   * Shared limits are told, not waited on: a report the store fails to hear is lost, nothing more (a lease not given
   * back lapses in the store).
   */
  private tell(told: Promise<unknown>): void {
    told.catch(() => undefined);
  }

  /** The release of a started request: its shared lease (with its TPM true-up) once, then its local slot. */
  private releaseOf(ticket: AdmissionTicket, local: () => void): () => void {
    const { shared } = this;
    const { lease } = ticket;
    if (shared === undefined || lease === undefined) return local;
    return () => {
      if (lease.released) return;
      lease.released = true;
      // Sent before the slot frees, so that a take it lets in comes after it on the connection.
      this.tell(shared.release(lease.id, lease.owed));
      local();
    };
  }

  private expectReport(ticket: AdmissionTicket): void {
    this.unreported.push(ticket);
    if (this.unreported.length > maxUnreported) this.unreported.shift();
  }

  /** Starts queued requests while they fit; re-entrant calls (a request that ends at once) loop here instead. */
  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        this.admit();
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private admit(): void {
    for (let head = this.queue[0]; head !== undefined; head = this.queue[0]) {
      // A full house needs no timer: the next slot to free pumps again.
      if (this.slots.active >= this.limit()) return this.sleep();
      const now = this.now();
      const charge = head.tokens ?? this.averageTokens ?? 0;
      if (this.shared !== undefined) return this.askShared(this.shared, charge);
      const wait = Math.max(this.pausedUntilTime - now, this.requestBucket?.waitMs(1, now) ?? 0, this.tokenBucket?.waitMs(charge, now) ?? 0);
      if (wait > 0) return this.sleep(now + wait);
      this.requestBucket?.take(1, now);
      this.tokenBucket?.take(charge, now);
      this.queue.shift();
      head.start({ sequence: this.started++, startedAt: now, charged: charge });
    }
    this.sleep();
  }

  /**
   * Asks the shared limits for the head of the queue, one question at a time: a grant starts the head (the next one
   * when the head left meanwhile; with none, the lease goes back); a refusal sleeps for the wait it names; a store that
   * cannot answer fails the head with its error (a `DatastoreError` naming the operation), and the queue goes on.
   */
  private askShared(shared: SharedLimits, charge: number): void {
    if (this.asking) return;
    this.asking = true;
    shared.take(charge, this.aimd.cap).then(
      (take) => {
        this.asking = false;
        if (!take.granted) return this.sleep(this.now() + take.waitMs);
        const head = this.queue.shift();
        if (head === undefined) return this.tell(shared.release(take.lease, 0));
        const lease: SharedLease = { id: take.lease, owed: 0, released: false };
        head.start({ sequence: take.sequence, startedAt: take.startedAt, charged: charge, lease });
        this.pump();
      },
      (error: unknown) => {
        this.asking = false;
        this.queue.shift()?.fail(error);
        this.pump();
      },
    );
  }

  /** Keeps one timer, for the earliest time the head may start; none when nothing waits on time. */
  private sleep(until?: number): void {
    if (until !== undefined && this.wake !== undefined && this.wakeTime <= until) return;
    this.wake?.unsubscribe();
    this.wake = undefined;
    this.wakeTime = Number.POSITIVE_INFINITY;
    if (until === undefined) return;
    this.wakeTime = until;
    this.wake = timer(until - this.now(), this.config.scheduler).subscribe(() => {
      this.wake = undefined;
      this.wakeTime = Number.POSITIVE_INFINITY;
      this.pump();
    });
  }
}

/**
 * How long after a request's start the server had no room, when an answer says a limit was spent (`remaining: 0`):
 * one request's worth of the requests limit (the reset, when that is sooner: the reset is when the whole bucket is
 * full again), the tokens limit's reset, or `cooldownMs` without one; undefined when nothing was spent.
 */
function spentWaitMs(requests: RateLimitReading, tokens: RateLimitReading, cooldownMs: number): number | undefined {
  const waits: number[] = [];
  if (requests.remaining === 0) waits.push(Math.min(requests.resetMs ?? cooldownMs, requests.limit ? 60_000 / requests.limit : Number.POSITIVE_INFINITY));
  if (tokens.remaining === 0) waits.push(tokens.resetMs ?? cooldownMs);
  return waits.length === 0 ? undefined : Math.max(...waits);
}
