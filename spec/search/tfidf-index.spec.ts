import { describe, expect, test } from 'vitest';
import { tfidfIndex } from '../../lib/search/tfidf-index.ts';

describe('tfidfIndex', () => {
  const texts = ['Renew a library card online.', 'Recycling pickup is on Mondays; recycling carts are blue.', 'Parking permits cost 60 dollars.'];

  test('ranks the texts by similarity to the query, best first', () => {
    const index = tfidfIndex(texts);
    expect(index.rank('when is recycling pickup')).toEqual([1, 0, 2]);
    expect(index.rank('parking permit price')[0]).toBe(2);
    const scores = index.scores('library card');
    expect(scores[0]).toBeGreaterThan(0);
    expect(scores[0]).toBeLessThanOrEqual(1);
    expect(scores.slice(1)).toEqual([0, 0]);
  });

  test('stop words, short words and case do not count; a query with nothing to match keeps the texts in order', () => {
    const index = tfidfIndex(texts);
    expect(index.scores('THE and of is ON')).toEqual([0, 0, 0]);
    expect(index.rank('xyzzy')).toEqual([0, 1, 2]);
    expect(index.scores('LIBRARY')[0]).toBeCloseTo(index.scores('library')[0]!);
    expect(tfidfIndex([]).rank('anything')).toEqual([]);
  });

  test('a word every text shares weighs less than a rarer one', () => {
    const index = tfidfIndex(['city library hours', 'city recycling hours', 'city parking rules']);
    // "library" appears in one text, "city" in all: the text with the rare word scores higher.
    expect(index.rank('city library')[0]).toBe(0);
    expect(index.scores('city library')[0]).toBeGreaterThan(index.scores('city library')[1]!);
  });
});
