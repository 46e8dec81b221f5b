/**
 * The first value that is a non-empty string, trimmed: an empty `${VAR}` or variable means unset.
 *
 * ## Example
 * ```ts
 * firstSet(block.api_key, process.env['ANTHROPIC_API_KEY']); // the block's key, else the variable's
 * firstSet('  ', undefined); // undefined
 * ```
 */
export function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value.trim() !== '')?.trim();
}
