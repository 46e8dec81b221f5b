// Float slack: 60 / 60_000 * 1000 is not exactly 1, and a request must not miss its turn by 1e-16 of a token.
const epsilon = 1e-6;

/**
 * A continuously refilling token bucket: `limit` tokens per minute, refilled at `limit / 60_000` per ms and
 * read against the caller's clock (`now` in ms, from the scheduler). It holds `burstSeconds` of the rate (one
 * second's worth by default), so a fresh or idle credential never bursts a whole minute's quota at once
 * (servers enforce per-minute limits over shorter windows too). Tokens may go negative: a request larger than the bucket, or actual usage above its
 * estimate, is debt that later requests wait out.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private limit: number,
    now: number,
    private readonly burstSeconds = 1,
  ) {
    this.tokens = this.capacity;
    this.refilledAt = now;
  }

  /** Tokens per minute. */
  get rate(): number {
    return this.limit;
  }

  /** The most the bucket holds: `burstSeconds` of the rate, at least one token. */
  get capacity(): number {
    return Math.max(1, (this.limit * this.burstSeconds) / 60);
  }

  /** Tokens in the bucket at `now` (negative while in debt). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /**
   * Ms until `amount` tokens are there; 0 when they are already. An amount above the capacity waits for a
   * full bucket instead, so it never deadlocks.
   */
  waitMs(amount: number, now: number): number {
    const needed = Math.min(amount, this.capacity) - this.available(now);
    if (needed <= epsilon) return 0;
    return Math.max(1, Math.ceil((needed * 60_000) / this.limit - epsilon));
  }

  /** Removes `amount` tokens (a refund when negative, never above the capacity). */
  take(amount: number, now: number): void {
    this.refill(now);
    this.tokens = Math.min(this.capacity, this.tokens - amount);
  }

  /**
   * Lowers the tokens to what the server says is left, when that is less: `remaining` as of `readAt` (the request's
   * start: the server counts a request as it arrives), refilled at the rate since, less `spentSince` (what requests
   * started after it took).
   */
  clamp(remaining: number, now: number, readAt = now, spentSince = 0): void {
    this.refill(now);
    // What the server had left at `readAt`, refilled since (an answer comes a whole latency after the server counted
    // its request), less what was spent after: a busy bucket refills as it is spent, so the cap goes last.
    const left = remaining + (Math.max(0, now - readAt) * this.limit) / 60_000 - spentSince;
    this.tokens = Math.min(this.tokens, this.capacity, left);
  }

  /** Changes the per-minute limit, keeping the tokens already there (up to the new capacity). */
  resize(limit: number, now: number): void {
    this.refill(now);
    this.limit = limit;
    this.tokens = Math.min(this.tokens, this.capacity);
  }

  private refill(now: number): void {
    if (now <= this.refilledAt) return;
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.refilledAt) * this.limit) / 60_000);
    this.refilledAt = now;
  }
}
