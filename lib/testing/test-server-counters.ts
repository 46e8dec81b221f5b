/**
 * Mutable tallies behind `TestServer.counters`. Internal to `test-server.ts`; the public shape is
 * `TestServerCounters`, handed out as a fresh snapshot on every read.
 */

/**
 * What the test server has seen so far. On the generation endpoints,
 * `requests = answered + faults + clientAborts + inFlight`, plus the requests refused with 400 or 401.
 */
export interface TestServerCounters {
  /** Requests received on the generation endpoints (`/v1/chat/completions`, `/v1/completions`). */
  readonly requests: number;
  /** Generation requests answered normally with 2xx. */
  readonly answered: number;
  /** Generation requests answered with a fault (status, garbled, drop, invalid-json). */
  readonly faults: number;
  /** Generation requests currently being handled (waiting out latency). */
  readonly inFlight: number;
  /** Peak of `inFlight` since start or the last reset. */
  readonly maxInFlight: number;
  /** Generation requests whose connection the client closed before the answer was sent. */
  readonly clientAborts: number;
  /** Every request received, on any path (models and unknown paths too), by path without the query string. */
  readonly byPath: Readonly<Record<string, number>>;
}

/** The live, mutable counters of one server. */
export class CounterBoard {
  requests = 0;
  answered = 0;
  faults = 0;
  inFlight = 0;
  maxInFlight = 0;
  clientAborts = 0;
  byPath: Record<string, number> = Object.create(null);

  /** Marks one more generation request as being handled. */
  enter(): void {
    this.inFlight++;
    if (this.inFlight > this.maxInFlight) this.maxInFlight = this.inFlight;
  }

  /** Zeroes the tallies; `inFlight` stays (those requests are still running) and becomes the new peak. */
  reset(): void {
    this.requests = 0;
    this.answered = 0;
    this.faults = 0;
    this.clientAborts = 0;
    this.maxInFlight = this.inFlight;
    this.byPath = Object.create(null);
  }

  /** A copy that later requests do not change. */
  snapshot(): TestServerCounters {
    const { requests, answered, faults, inFlight, maxInFlight, clientAborts } = this;
    return { requests, answered, faults, inFlight, maxInFlight, clientAborts, byPath: { ...this.byPath } };
  }
}
