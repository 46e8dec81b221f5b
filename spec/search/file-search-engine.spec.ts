import { describe, expect, test } from 'vitest';
import { fileSearchEngine } from '../../lib/search/file-search-engine.ts';
import { seededRandom } from '../../lib/random.ts';
import type { SearchDocument } from '../../lib/search/search-document.ts';
import { corpus } from './fixtures.ts';

describe('fileSearchEngine', () => {
  test('draws `limit` distinct documents at random whatever the query, unscored; a seeded draw repeats', () => {
    const engine = fileSearchEngine(corpus, { limit: 3, errorCategories: [] });
    const first = engine.search({ query: 'library' }, seededRandom(5)).result as readonly SearchDocument[];
    expect(first).toHaveLength(3);
    expect(new Set(first.map((document) => document.id)).size).toBe(3);
    expect(first.every((document) => document.score === undefined && corpus.some((entry) => entry.id === document.id))).toBe(true);
    expect(engine.search({ query: 'something else' }, seededRandom(5)).result).toEqual(first);
    const draws = new Set(Array.from({ length: 20 }, (_, seed) => JSON.stringify(engine.search({}, seededRandom(seed)).result)));
    expect(draws.size).toBeGreaterThan(1);
  });

  test('`size` overrides the limit; at most the whole corpus; the relevance threshold lets unscored documents through', () => {
    const engine = fileSearchEngine(corpus, { limit: 3, errorCategories: [], relevanceThreshold: 0.9 });
    expect((engine.search({ size: 1 }, seededRandom(1)).result as unknown[]).length).toBe(1);
    expect((engine.search({ size: 99 }, seededRandom(1)).result as unknown[]).length).toBe(corpus.length);
    expect(engine.corpus()).toBe(corpus);
    expect(engine.limit).toBe(3);
  });
});
