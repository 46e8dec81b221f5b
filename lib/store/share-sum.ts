import type { Outcome } from '../record.ts';

/** The part of one input its outcomes so far make up, as a fraction in lowest terms (`0/1` before the first). */
export interface ShareSum {
  numerator: number;
  denominator: number;
}

/**
 * Adds an outcome's share (see `Share`: absent is the whole input) to `sum`; says whether the input is now settled
 * (its shares add up to one).
 *
 * ## Example
 * ```ts
 * const sum = { numerator: 0, denominator: 1 };
 * addOutcomeShare(sum, { status: 'accepted', id: '0-ab', record: {}, share: [1, 2] }); // false
 * addOutcomeShare(sum, { status: 'accepted', id: '0-ab', record: {}, share: [1, 2] }); // true
 * ```
 * @throws {Error} when the shares add up to more than one (a builder bug), or nest too deep for safe integers
 */
export function addOutcomeShare(sum: ShareSum, outcome: Outcome<unknown>): boolean {
  const share = outcome.share;
  // The common case, one whole outcome per input, needs no fractions.
  if (share === undefined && sum.numerator === 0) sum.numerator = 1;
  else addFraction(sum, share?.[0] ?? 1, share?.[1] ?? 1);
  if (sum.numerator > sum.denominator) throw new Error(`the outcomes of input \`${outcome.id}\` have shares adding up to more than one`);
  return sum.numerator === sum.denominator;
}

function addFraction(sum: ShareSum, numerator: number, denominator: number): void {
  const top = sum.numerator * denominator + numerator * sum.denominator;
  const bottom = sum.denominator * denominator;
  const divisor = gcd(top, bottom);
  sum.numerator = top / divisor;
  sum.denominator = bottom / divisor;
  if (!Number.isSafeInteger(sum.denominator)) throw new Error('fan-out nested too deep: the shares of an input no longer fit in a safe integer');
}

function gcd(left: number, right: number): number {
  let a = Math.abs(left);
  let b = Math.abs(right);
  while (b !== 0) [a, b] = [b, a % b];
  return a || 1;
}
