/** One reading of a task's record count, at a time of the report's clock (ms). */
interface Reading {
  readonly at: number;
  count: number;
}

/**
 * Records per second over the last `windowMs` of a clock: counts are read as they come, and the rate at a time is the
 * records made since the window began over the window's length (or since the first reading, for a task younger than the
 * window). A task that makes nothing more sees its rate fall to 0 once the window has passed its last record.
 *
 * ## Example
 *
 * ```ts
 * const rate = new RecordRate(10_000);
 * rate.add(0, 0);
 * rate.add(2_000, 8);
 * rate.perSecond(2_000); // 4
 * rate.perSecond(4_000); // 2
 * ```
 */
export class RecordRate {
  private readings: Reading[] = [];

  constructor(private readonly windowMs = 10_000) {}

  /** Whether any count was read. */
  get started(): boolean {
    return this.readings.length > 0;
  }

  /** Reads the count at `at` (times never go back). */
  add(at: number, count: number): void {
    // Counts read in the same millisecond (a record each, thousands a second): the last one stands for them all, as
    // the rate reads it. The first reading stays as it is: a task younger than the window counts from it.
    const last = this.readings.at(-1);
    if (last !== undefined && last.at === at && this.readings.length > 1) {
      last.count = count;
      return;
    }
    this.readings.push({ at, count });
    // Keep one reading at or before the window's start: the count there.
    while (this.readings.length > 1 && (this.readings[1] as Reading).at <= at - this.windowMs) this.readings.shift();
  }

  /** Records per second over the window ending at `now`; undefined before two readings apart in time. */
  perSecond(now: number): number | undefined {
    const first = this.readings[0];
    const last = this.readings.at(-1);
    if (!first || !last) return undefined;
    const windowStart = now - this.windowMs;
    const before = this.readings.findLast((reading) => reading.at <= windowStart);
    const start = before ? { at: windowStart, count: before.count } : first;
    const span = now - start.at;
    return span > 0 ? ((last.count - start.count) * 1000) / span : undefined;
  }
}
