/**
 * Additive increase, multiplicative decrease of a concurrency limit, as NeMo Data Designer does per
 * (provider, model): a throttle multiplies the limit by `decrease` (never below 1) and restarts the run of
 * successes; `increaseAfter` successes in a row add 1, never above the cap.
 */
export class AimdController {
  private current: number;
  private successes = 0;

  constructor(
    private ceiling: number,
    private readonly decrease: number,
    private readonly increaseAfter: number,
  ) {
    this.current = ceiling;
  }

  /** Requests allowed in flight now. */
  get limit(): number {
    return this.current;
  }

  /** The hard cap the limit grows back to. */
  get cap(): number {
    return this.ceiling;
  }

  /** Successes since the last throttle or increase. */
  get successRun(): number {
    return this.successes;
  }

  /** Counts a success; returns true when the limit grew. */
  success(): boolean {
    this.successes += 1;
    if (this.successes < this.increaseAfter) return false;
    this.successes = 0;
    if (this.current >= this.ceiling) return false;
    this.current += 1;
    return true;
  }

  /** Cuts the limit after a throttle. */
  throttle(): void {
    this.successes = 0;
    this.current = Math.max(1, Math.floor(this.current * this.decrease));
  }

  /** Raises the cap (never lowers it); a limit that was at the cap follows it, a cut one grows back as usual. */
  raiseCap(cap: number): void {
    if (cap <= this.ceiling) return;
    if (this.current === this.ceiling) this.current = cap;
    this.ceiling = cap;
  }
}
