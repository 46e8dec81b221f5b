import { describe, expect, test } from 'vitest';
import { RougeIndex } from '../../lib/text/rouge-index.ts';
import { type RougeOptions, type RougeType, type ScoreFunction, rougeScoreTokens } from '../../lib/text/rouge-score.ts';
import { tokenize } from '../../lib/text/tokenize.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const vocabulary = ['the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'what', 'is', 'of', 'red', 'big', 'ran', 'to', 'house', '東', '京', 'Ça', '?!', ''];

/** Short texts over a small vocabulary, many of them one-word edits of earlier ones, some without tokens. */
function texts(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const pick = <V>(values: readonly V[]): V => values[Math.floor(random() * values.length)]!;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    if (out.length > 0 && random() < 0.4) {
      const words = pick(out).split(' ');
      const at = Math.floor(random() * (words.length + 1));
      if (random() < 0.5) words.splice(at, 1);
      else words.splice(at, 0, pick(vocabulary));
      out.push(words.join(' '));
    } else out.push(Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(vocabulary)).join(' '));
  }
  return out;
}

/** The reference: each text against every kept text with the public score (token-free texts: equal strings score 1). */
function bruteForceKeeps(all: readonly string[], threshold: number, options: RougeOptions): boolean[] {
  const kept: { text: string; tokens: string[] }[] = [];
  return all.map((text) => {
    const tokens = tokenize(text);
    const score = (other: { text: string; tokens: string[] }) =>
      tokens.length === 0 && other.tokens.length === 0 ? (text === other.text ? 1 : 0) : rougeScoreTokens(tokens, other.tokens, options);
    if (kept.some((other) => score(other) >= threshold)) return false;
    kept.push({ text, tokens });
    return true;
  });
}

const typeLists: RougeType[][] = [['lcs'], ['n_1'], ['n_2'], ['n_3'], ['lcs', 'n_2'], ['n_1', 'n_2', 'n_3']];
const scoreFunctions: ScoreFunction[] = ['f1', 'precision', 'recall'];
const cases = typeLists.flatMap((types) => scoreFunctions.map((scoreFunction) => [types.join('+'), scoreFunction, types] as const));

describe('RougeIndex', () => {
  const sample = texts(400, 8);

  test.each(cases)('keeps exactly what a brute-force scan keeps: %s %s', (_, scoreFunction, types) => {
    for (const threshold of [0.5, 0.85, 1]) {
      const options = { types, scoreFunction };
      const index = new RougeIndex(threshold, options);
      const decisions = sample.map((text) => index.admit(text) === undefined);
      const expected = bruteForceKeeps(sample, threshold, options);
      expect(decisions).toEqual(expected);
      expect(index.size).toBe(expected.filter(Boolean).length);
      // Guard against a vacuous test: both decisions occur.
      expect(expected.filter((keep) => !keep).length).toBeGreaterThan(5);
    }
  });

  test('admit returns the score of the kept text it found; find looks without keeping', () => {
    const index = new RougeIndex(0.5, { types: ['n_2'], scoreFunction: 'f1' });
    expect(index.admit('the cat sat on the mat')).toBeUndefined();
    expect(index.find('the cat sat on a mat')).toBe(0.6);
    expect(index.find('a dog ran home')).toBeUndefined();
    expect(index.size).toBe(1);
    expect(index.admit('the cat sat on a mat')).toBe(0.6);
    expect(index.admit('a dog ran home')).toBeUndefined();
    expect(index.size).toBe(2);
  });

  test('token-free texts match only the very same string', () => {
    const index = new RougeIndex(0.5, { types: ['n_1'], scoreFunction: 'recall' });
    expect(index.admit('?!')).toBeUndefined();
    expect(index.admit('...')).toBeUndefined();
    expect(index.admit('?!')).toBe(1);
    expect(index.find('—')).toBeUndefined();
  });

  test('add keeps without checking, clear forgets, thresholds above 1 keep everything', () => {
    const index = new RougeIndex(0.9, { types: ['lcs'], scoreFunction: 'precision' });
    index.add('the cat sat');
    index.add('the cat sat');
    expect(index.size).toBe(2);
    // Precision divides by the kept text: 'the cat sat' is all in it.
    expect(index.admit('the cat sat on the mat')).toBe(1);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.admit('the cat sat on the mat')).toBeUndefined();
    expect(index.admit('the cat sat')).toBeUndefined(); // 3 / 6
    const off = new RougeIndex(1.1, { types: ['n_1'], scoreFunction: 'f1' });
    expect(['a b', 'a b', '', ''].map((text) => off.admit(text))).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('refuses a threshold of 0 or less, and no Rouge kind', () => {
    expect(() => new RougeIndex(0, { types: ['lcs'], scoreFunction: 'f1' })).toThrow(RangeError);
    expect(() => new RougeIndex(0.5, { types: [], scoreFunction: 'f1' })).toThrow(/at least one Rouge kind/);
  });
});
