import { describe, expect, test } from 'vitest';
import { inMemorySearchEngine } from '../../lib/search/in-memory-search-engine.ts';
import { seededRandom } from '../../lib/random.ts';
import type { SearchDocument } from '../../lib/search/search-document.ts';
import { corpus } from './fixtures.ts';

const settings = { limit: 2, errorCategories: [] };

describe('inMemorySearchEngine', () => {
  test('ranks the corpus by similarity to the query, with scores, best first', () => {
    const engine = inMemorySearchEngine(corpus, settings);
    const { result, error } = engine.search({ query: 'recycling cart pickup' }, seededRandom(1));
    expect(error).toBeNull();
    const documents = result as readonly (SearchDocument & { score: number })[];
    expect(documents.map((document) => document.id)).toEqual(['rec-1', 'rec-2']);
    expect(documents[0]!.score).toBeGreaterThan(documents[1]!.score);
    expect(documents[0]).toEqual({ ...corpus[3], score: documents[0]!.score });
    expect(engine.type).toBe('search/in_memory');
  });

  test('returns the engine limit by default, `size` or `limit` from the call when given', () => {
    const engine = inMemorySearchEngine(corpus, settings);
    expect((engine.search({ query: 'library' }, Math.random).result as unknown[]).length).toBe(2);
    expect((engine.search({ query: 'library', size: 3 }, Math.random).result as unknown[]).length).toBe(3);
    expect((engine.search({ query: 'library', limit: 1 }, Math.random).result as unknown[]).length).toBe(1);
    expect((engine.search({ query: 'library', size: '4' }, Math.random).result as unknown[]).length).toBe(4);
    expect((engine.search({ query: 'library', size: 50 }, Math.random).result as unknown[]).length).toBe(corpus.length);
    expect(engine.search({ query: 'library', size: 0 }, Math.random)).toEqual({ result: null, error: '`size` must be a whole number of 1 or more, got 0' });
  });

  test('as in DGT, the best are returned whatever their score, unless relevance_threshold filters them', () => {
    const loose = inMemorySearchEngine(corpus, { limit: 3, errorCategories: [] });
    const all = loose.search({ query: 'parking permit' }, Math.random).result as readonly (SearchDocument & { score: number })[];
    expect(all[0]!.id).toBe('park-1');
    expect(all.slice(1).map((document) => document.score)).toEqual([0, 0]);
    const strict = inMemorySearchEngine(corpus, { limit: 3, errorCategories: [], relevanceThreshold: 0.1 });
    expect((strict.search({ query: 'parking permit' }, Math.random).result as readonly SearchDocument[]).map((document) => document.id)).toEqual(['park-1']);
  });

  test('an empty query or corpus returns nothing; corpus() lists every document unranked', () => {
    expect(inMemorySearchEngine(corpus, settings).search({}, Math.random).result).toEqual([]);
    expect(inMemorySearchEngine(corpus, settings).search({ query: '   ' }, Math.random).result).toEqual([]);
    expect(inMemorySearchEngine([], settings).search({ query: 'library' }, Math.random).result).toEqual([]);
    expect(inMemorySearchEngine(corpus, settings).corpus()).toEqual(corpus);
  });
});
