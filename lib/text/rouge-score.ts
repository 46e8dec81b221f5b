import { lcsLength } from './rouge-l.ts';
import { tokenize } from './tokenize.ts';

/** DGT's Rouge kinds: `lcs` (Rouge-L) and `n_1`, `n_2`, `n_3` (Rouge-N over distinct n-grams). */
export type RougeType = 'lcs' | 'n_1' | 'n_2' | 'n_3';

/** What a score measures, DGT's `score_func`: the shared part over the new text's size, the kept one's, or both. */
export type ScoreFunction = 'f1' | 'precision' | 'recall';

/** How two texts are scored: the Rouge kinds averaged, and the score function. */
export interface RougeOptions {
  /** Averaged when several; repeats count as many times as they are listed (DGT's `rouge_types`). */
  readonly types: readonly RougeType[];
  readonly scoreFunction: ScoreFunction;
}

/** The n of a Rouge kind: 1 to 3 for `n_1`..`n_3`, 0 for `lcs`. */
export function ngramOrder(type: RougeType): number {
  return type === 'lcs' ? 0 : Number(type.slice(2));
}

/**
 * A score from an overlap (LCS length, or shared distinct n-grams) and the sizes of the new text and of the kept
 * text it is compared with, as DGT scores a new text (its `target`) against a kept one (its `prediction`):
 * precision is `overlap / kept`, recall `overlap / new`, F1 `2·overlap / (new + kept)` (0 when both are 0).
 */
export function scoreOverlap(overlap: number, newCount: number, keptCount: number, scoreFunction: ScoreFunction): number {
  if (scoreFunction === 'precision') return overlap / (keptCount || 1);
  if (scoreFunction === 'recall') return overlap / (newCount || 1);
  const total = newCount + keptCount;
  return total === 0 ? 0 : (2 * overlap) / total;
}

/** The distinct n-grams of a token sequence, as strings (tokens never contain a space). */
export function distinctNgrams(tokens: readonly string[], n: number): Set<string> {
  const grams = new Set<string>();
  for (let i = 0; i + n <= tokens.length; i++) grams.add(tokens.slice(i, i + n).join(' '));
  return grams;
}

/** Rouge score of two token sequences: the new one and a kept one. Unlike {@link rougeScore}, no tokens scores 0. */
export function rougeScoreTokens(newTokens: readonly string[], keptTokens: readonly string[], options: RougeOptions): number {
  let sum = 0;
  for (const type of options.types) {
    const n = ngramOrder(type);
    if (n === 0) {
      const overlap = newTokens.length > 0 && keptTokens.length > 0 ? lcsLength(newTokens, keptTokens) : 0;
      sum += scoreOverlap(overlap, newTokens.length, keptTokens.length, options.scoreFunction);
    } else {
      const newGrams = distinctNgrams(newTokens, n);
      const keptGrams = distinctNgrams(keptTokens, n);
      let overlap = 0;
      for (const gram of newGrams) if (keptGrams.has(gram)) overlap++;
      sum += scoreOverlap(overlap, newGrams.size, keptGrams.size, options.scoreFunction);
    }
  }
  return sum / options.types.length;
}

/**
 * Rouge score of a new text against a kept one, DGT's `rouge_scorer` measure over {@link tokenize}d tokens: each
 * kind of `options.types` scored with `options.scoreFunction`, then averaged. Two texts without any token score 1
 * when the strings are equal and 0 otherwise (as {@link rougeL} does).
 *
 * @example rougeScore('the cat sat', 'the cat sat on the mat', { types: ['lcs'], scoreFunction: 'recall' }) // 3/3 = 1
 * @example rougeScore('the cat sat', 'the cat sat on the mat', { types: ['n_2'], scoreFunction: 'precision' }) // 2/5 = 0.4
 */
export function rougeScore(newText: string, keptText: string, options: RougeOptions): number {
  const newTokens = tokenize(newText);
  const keptTokens = tokenize(keptText);
  if (newTokens.length === 0 && keptTokens.length === 0) return newText === keptText ? 1 : 0;
  return rougeScoreTokens(newTokens, keptTokens, options);
}
