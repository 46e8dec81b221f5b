import { tokenize } from './tokenize.ts';

/** A token sequence: strings, or integer token ids as the similarity index stores them. */
type Tokens = ArrayLike<string | number>;

let scratch = new Int32Array(64);

/** One rolling DP row of at least `length` cells, shared because JavaScript runs one LCS at a time. */
function rowOf(length: number): Int32Array {
  if (scratch.length < length) scratch = new Int32Array(Math.max(length, scratch.length * 2));
  return scratch.fill(0, 0, length);
}

/**
 * Advances the rolling LCS row over `inner` (`n` tokens) by one token of the outer sequence, and returns
 * the LCS length so far: the row's last cell.
 */
function advanceRow(row: Int32Array, token: string | number | undefined, inner: Tokens, n: number): number {
  let diagonal = 0;
  for (let j = 1; j <= n; j++) {
    const up = row[j]!;
    row[j] = token === inner[j - 1] ? diagonal + 1 : Math.max(row[j - 1]!, up);
    diagonal = up;
  }
  return row[n]!;
}

/**
 * Whether the longest common subsequence of `a` and `b` has at least `need` tokens. O(|a|·|b|) time
 * over one rolling row; stops as soon as the answer is known either way.
 */
export function hasCommonSubsequence(a: Tokens, b: Tokens, need: number): boolean {
  if (need <= 0) return true;
  // Iterate over the longer sequence so the row (the shorter one) is small and exits come early.
  const [outer, inner] = a.length >= b.length ? [a, b] : [b, a];
  const m = outer.length;
  const n = inner.length;
  if (need > n) return false;
  const row = rowOf(n + 1);
  for (let i = 0; i < m; i++) {
    const best = advanceRow(row, outer[i], inner, n);
    if (best >= need) return true;
    // Each remaining outer token can extend the LCS by at most one.
    if (best + (m - 1 - i) < need) return false;
  }
  return false;
}

/** Length of the longest common subsequence of two token sequences. O(|a|·|b|) time, O(min) memory. */
export function lcsLength(a: Tokens, b: Tokens): number {
  const [outer, inner] = a.length >= b.length ? [a, b] : [b, a];
  const n = inner.length;
  const row = rowOf(n + 1);
  let length = 0;
  for (let i = 0; i < outer.length; i++) length = advanceRow(row, outer[i], inner, n);
  return length;
}

/**
 * Rouge-L F1 (beta 1) of two token sequences: `2·LCS / (|a| + |b|)`. Both empty gives 0 here;
 * {@link rougeL} decides that case from the raw strings.
 */
export function rougeLTokens(a: Tokens, b: Tokens): number {
  const total = a.length + b.length;
  return total === 0 ? 0 : (2 * lcsLength(a, b)) / total;
}

/**
 * Rouge-L F1 of two texts over {@link tokenize}d tokens, in [0, 1]. Two texts without any token score
 * 1 when the strings are equal and 0 otherwise.
 *
 * @example rougeL('The cat sat on the mat.', 'the cat sat') // 2·3 / (6 + 3) = 0.667
 */
export function rougeL(a: string, b: string): number {
  const left = tokenize(a);
  const right = tokenize(b);
  if (left.length === 0 && right.length === 0) return a === b ? 1 : 0;
  return rougeLTokens(left, right);
}
