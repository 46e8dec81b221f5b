import { describe, expect, test } from 'vitest';
import { distinctNgrams, ngramOrder, rougeScore, rougeScoreTokens, scoreOverlap } from '../../lib/text/rouge-score.ts';
import { rougeL } from '../../lib/text/rouge-l.ts';
import { tokenize } from '../../lib/text/tokenize.ts';

const lcs = { types: ['lcs'], scoreFunction: 'f1' } as const;

describe('scoreOverlap', () => {
  test("scores as DGT does a new text (its target) against a kept one (its prediction)", () => {
    // 3 shared, new text 4, kept text 6.
    expect(scoreOverlap(3, 4, 6, 'precision')).toBe(3 / 6);
    expect(scoreOverlap(3, 4, 6, 'recall')).toBe(3 / 4);
    expect(scoreOverlap(3, 4, 6, 'f1')).toBe(6 / 10);
  });

  test('is 0 when a side is empty', () => {
    expect(scoreOverlap(0, 0, 0, 'f1')).toBe(0);
    expect(scoreOverlap(0, 0, 5, 'precision')).toBe(0);
    expect(scoreOverlap(0, 5, 0, 'recall')).toBe(0);
  });
});

describe('rougeScore', () => {
  const kept = 'the cat sat on the mat';

  test('lcs F1 is Rouge-L', () => {
    for (const text of ['the cat sat', 'The mat, the cat!', 'a dog ran', kept]) expect(rougeScore(text, kept, lcs)).toBe(rougeL(text, kept));
  });

  test('precision divides by the kept text, recall by the new one', () => {
    expect(rougeScore('the cat sat', kept, { types: ['lcs'], scoreFunction: 'recall' })).toBe(1);
    expect(rougeScore('the cat sat', kept, { types: ['lcs'], scoreFunction: 'precision' })).toBe(3 / 6);
    expect(rougeScore(kept, 'the cat sat', { types: ['lcs'], scoreFunction: 'precision' })).toBe(1);
  });

  test('Rouge-N compares distinct n-grams, every one of them', () => {
    // Bigrams: {the cat, cat sat, sat on, on the, the mat} and {the cat, cat sat, sat on, on a, a mat}.
    expect(rougeScore('the cat sat on a mat', kept, { types: ['n_2'], scoreFunction: 'f1' })).toBe(6 / 10);
    // Unigrams: 'the' twice counts once: {the, cat, sat, on, mat} (5) and {the, cat} (2).
    expect(rougeScore('the cat', kept, { types: ['n_1'], scoreFunction: 'precision' })).toBe(2 / 5);
    // Trigrams of 'a b c d': abc, bcd; the last one counts.
    expect(rougeScore('a b c d', 'x b c d', { types: ['n_3'], scoreFunction: 'f1' })).toBe(2 / 4);
    // A text shorter than n has no n-grams: 0, even against itself.
    expect(rougeScore('paris', 'paris', { types: ['n_2'], scoreFunction: 'f1' })).toBe(0);
  });

  test('several kinds are averaged, repeats counted as listed', () => {
    const text = 'the cat sat on a mat';
    const l = rougeScore(text, kept, lcs);
    const two = rougeScore(text, kept, { types: ['n_2'], scoreFunction: 'f1' });
    expect(rougeScore(text, kept, { types: ['lcs', 'n_2'], scoreFunction: 'f1' })).toBeCloseTo((l + two) / 2, 12);
    expect(rougeScore(text, kept, { types: ['lcs', 'lcs', 'n_2'], scoreFunction: 'f1' })).toBeCloseTo((2 * l + two) / 3, 12);
  });

  test('works on any script', () => {
    expect(rougeScore('今日はいい天気ですね。', '今日は、いい天気ですね！', { types: ['n_2'], scoreFunction: 'f1' })).toBe(1);
    expect(rougeScore('Привет, мир', 'привет мир!', { types: ['n_1', 'lcs'], scoreFunction: 'recall' })).toBe(1);
  });

  test('texts without tokens score 1 only against the very same string', () => {
    expect(rougeScore('?!', '?!', { types: ['n_3'], scoreFunction: 'precision' })).toBe(1);
    expect(rougeScore('?!', '...', lcs)).toBe(0);
    expect(rougeScore('', 'the cat', lcs)).toBe(0);
    expect(rougeScoreTokens([], [], lcs)).toBe(0);
  });
});

describe('helpers', () => {
  test('ngramOrder and distinctNgrams', () => {
    expect(['lcs', 'n_1', 'n_2', 'n_3'].map((type) => ngramOrder(type as 'lcs'))).toEqual([0, 1, 2, 3]);
    expect([...distinctNgrams(tokenize('a b a b a'), 2)]).toEqual(['a b', 'b a']);
    expect(distinctNgrams(['a'], 2).size).toBe(0);
  });
});
