import { describe, expect, test } from 'vitest';
import { lcsLength, hasCommonSubsequence, rougeL, rougeLTokens } from '../../lib/text/rouge-l.ts';
import { SimilarityIndex } from '../../lib/text/similarity-index.ts';
import { tokenize } from '../../lib/text/tokenize.ts';
import { seededRandom } from '../helpers/seeded-random.ts';


const vocabulary = ['the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'what', 'is', 'of', 'red', 'big', 'ran', 'to', 'house', 'why', 'how', 'many', 'blue', 'car'];

/** Random sentences over a small vocabulary, many of them edits of earlier ones, with case, punctuation and token-free noise. */
function sentences(count: number, seed: number): string[] {
  const next = seededRandom(seed);
  const pick = <V>(values: readonly V[]): V => values[Math.floor(next() * values.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    if (roll < 0.03) out.push(pick(['', '?!', '...', '  ', '?!']));
    else if (roll < 0.45 && out.length > 0) {
      const words = tokenize(pick(out));
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (words.length + 1));
        const kind = next();
        if (kind < 0.4) words.splice(at, 1);
        else if (kind < 0.7) words.splice(at, 0, pick(vocabulary));
        else if (at < words.length) words[at] = pick(vocabulary);
      }
      out.push(next() < 0.5 ? words.join(' ') : `${words.join(', ').toUpperCase()}?`);
    } else {
      const length = 1 + Math.floor(next() * 14);
      out.push(Array.from({ length }, () => pick(vocabulary)).join(' '));
    }
  }
  return out;
}

/** The reference: compare each text with every kept text, with the public Rouge-L only. */
function bruteForceKeeps(texts: readonly string[], threshold: number): boolean[] {
  const kept: { text: string; tokens: string[] }[] = [];
  return texts.map((text) => {
    const tokens = tokenize(text);
    const similarity = (other: { text: string; tokens: string[] }): number =>
      tokens.length === 0 && other.tokens.length === 0 ? (text === other.text ? 1 : 0) : rougeLTokens(tokens, other.tokens);
    if (kept.some((other) => similarity(other) >= threshold)) return false;
    kept.push({ text, tokens });
    return true;
  });
}

describe('tokenize', () => {
  test('lowercases, splits ASCII on anything outside [a-z0-9], keeps letters of other scripts', () => {
    expect(tokenize("  What's the Cat's name?? (v2.0)  ")).toEqual(['what', 's', 'the', 'cat', 's', 'name', 'v2', '0']);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('?!  ...')).toEqual([]);
    expect(tokenize('café naïve')).toEqual(['café', 'naïve']);
  });
});

describe('rougeL', () => {
  test('identical texts score 1, disjoint texts 0', () => {
    expect(rougeL('the cat sat on the mat', 'the cat sat on the mat')).toBe(1);
    expect(rougeL('the cat sat', 'a dog ran')).toBe(0);
  });

  test('F1 is 2·LCS/(|a|+|b|)', () => {
    expect(rougeL('the cat sat on the mat', 'the cat sat')).toBeCloseTo(2 / 3, 10);
    expect(rougeL('a b c d', 'b d a')).toBeCloseTo((2 * 2) / 7, 10);
    expect(rougeL('police killed the gunman', 'the gunman kill police')).toBeCloseTo((2 * 2) / 8, 10);
  });

  test('ignores case and punctuation', () => {
    expect(rougeL('The CAT, sat!', 'the cat sat')).toBe(1);
    expect(rougeL('What is 2+2?', 'what is 2 2')).toBe(1);
  });

  test('texts without tokens score 1 only against the very same string', () => {
    expect(rougeL('', '')).toBe(1);
    expect(rougeL('?!', '?!')).toBe(1);
    expect(rougeL('?!', '...')).toBe(0);
    expect(rougeL('', 'the cat')).toBe(0);
  });

  test('lcsLength and hasCommonSubsequence agree', () => {
    const texts = sentences(200, 7).map(tokenize);
    for (let i = 1; i < texts.length; i++) {
      const [a, b] = [texts[i - 1]!, texts[i]!];
      const lcs = lcsLength(a, b);
      expect(hasCommonSubsequence(a, b, lcs)).toBe(true);
      expect(hasCommonSubsequence(b, a, lcs + 1)).toBe(false);
    }
  });
});

describe('SimilarityIndex', () => {
  const texts = sentences(3000, 42);

  test.each([0.5, 0.7, 0.9, 1.0])('keeps exactly what a brute-force scan keeps at threshold %s', (threshold) => {
    const index = new SimilarityIndex(threshold);
    const decisions = texts.map((text) => index.admit(text) === undefined);
    const expected = bruteForceKeeps(texts, threshold);
    expect(decisions).toEqual(expected);
    expect(index.size).toBe(expected.filter(Boolean).length);
    // Guard against a vacuous test: both decisions occur.
    expect(expected.filter(Boolean).length).toBeGreaterThan(10);
    expect(expected.filter((keep) => !keep).length).toBeGreaterThan(10);
  });

  test('also agrees with a brute-force scan at odd thresholds', () => {
    const few = texts.slice(0, 800);
    for (const threshold of [0.01, 0.3, 2 / 3, 0.75, 0.999]) {
      const index = new SimilarityIndex(threshold);
      expect(few.map((text) => index.admit(text) === undefined)).toEqual(bruteForceKeeps(few, threshold));
    }
  });

  test('admit returns the similarity of the near-duplicate it found', () => {
    const index = new SimilarityIndex(0.6);
    expect(index.admit('the cat sat on the mat')).toBeUndefined();
    expect(index.admit('The cat sat.')).toBeCloseTo(2 / 3, 10);
    expect(index.admit('a dog ran')).toBeUndefined();
    expect(index.size).toBe(2);
  });

  test('threshold 1 rejects only equal token sequences', () => {
    const index = new SimilarityIndex(1);
    expect(index.admit('the cat sat')).toBeUndefined();
    expect(index.admit('The cat, sat?')).toBe(1);
    expect(index.admit('the sat cat')).toBeUndefined();
    expect(index.admit('the cat sat on')).toBeUndefined();
    expect(index.admit('?!')).toBeUndefined();
    expect(index.admit('?!')).toBe(1);
    expect(index.admit('...')).toBeUndefined();
  });

  test('thresholds above 1 keep everything', () => {
    const index = new SimilarityIndex(1.1);
    expect(['a b', 'a b', '', ''].map((text) => index.admit(text))).toEqual([undefined, undefined, undefined, undefined]);
    expect(index.size).toBe(4);
  });

  test('add keeps a text without checking it, and clear forgets everything', () => {
    const index = new SimilarityIndex(0.9);
    index.add('the cat sat');
    index.add('the cat sat');
    expect(index.admit('the cat sat')).toBe(1);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.admit('the cat sat')).toBeUndefined();
  });

  test('a threshold of 0 or less is refused', () => {
    expect(() => new SimilarityIndex(0)).toThrow(RangeError);
    expect(() => new SimilarityIndex(Number.NaN)).toThrow(RangeError);
  });
});
