/**
 * A block's failure on one record, with the issue code it is filed under (`template_undefined`, `parse_failed`,
 * ...). Thrown from a block function, it rejects that record with this code instead of `block_failed`.
 *
 * ## Example
 * ```ts
 * throw new BlockError('parse_failed', 'the answer holds no JSON object');
 * ```
 */
export class BlockError extends Error {
  override readonly name = 'BlockError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Whether `error` is a {@link BlockError} (by name, so it holds across copies of the package). */
  static isInstance(error: unknown): error is BlockError {
    return error instanceof Error && error.name === 'BlockError' && typeof (error as BlockError).code === 'string';
  }
}
