import type { Tool } from '../tool.ts';

const marker = Symbol.for('rxdgt.error.SamplingError');

/**
 * DGT's `SamplingError`: a sampler could not return exactly `k` tools (a chain dead-ends, the graph is too sparse,
 * `min_score` leaves too few). `tools` is what it had gathered (a valid prefix for `tc/chain`; maybe empty). The
 * caller decides: draw again, use `tools`, or reject the record.
 */
export class SamplingError extends Error {
  protected readonly [marker] = true;
  override readonly name = 'SamplingError';

  constructor(
    message: string,
    /** The `k` asked for. */
    readonly requested: number,
    /** The partial draw; may be empty. */
    readonly tools: readonly Tool[],
  ) {
    super(message);
  }

  static isInstance(error: unknown): error is SamplingError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
