import { describe, expect, test } from 'vitest';
import { runSearch } from '../../lib/search/run-search.ts';
import { seededRandom } from '../../lib/random.ts';
import { corpus } from './fixtures.ts';

const search = (_query: string, limit: number) => corpus.slice(0, limit);

describe('runSearch', () => {
  test("injects DGT's error categories: network_error, empty_result, unparseable_result, any other type", () => {
    const run = (type: string, message?: string) =>
      runSearch({ query: 'q' }, { limit: 2, errorCategories: [{ type, probability: 1, ...(message ? { message } : {}) }] }, seededRandom(1), search);
    expect(run('network_error')).toEqual({ result: null, error: 'Connection timed out' });
    expect(run('network_error', 'Retrieval service temporarily unavailable.')).toEqual({ result: null, error: 'Retrieval service temporarily unavailable.' });
    expect(run('empty_result')).toEqual({ result: [], error: null });
    expect(run('unparseable_result')).toEqual({ result: '<garbled>', error: null });
    expect(run('index_not_found')).toEqual({ result: null, error: 'Simulated error: index_not_found' });
  });

  test('categories that do not fire leave the search alone; the rate follows the probability', () => {
    const settings = { limit: 1, errorCategories: [{ type: 'empty_result', probability: 0.3 }] };
    const random = seededRandom(9);
    const empties = Array.from({ length: 2000 }, () => runSearch({}, settings, random, search)).filter((result) => (result.result as unknown[]).length === 0).length;
    expect(empties / 2000).toBeGreaterThan(0.25);
    expect(empties / 2000).toBeLessThan(0.35);
    expect(runSearch({}, { limit: 1, errorCategories: [{ type: 'network_error', probability: 0 }] }, random, search)).toEqual({ result: [corpus[0]], error: null });
  });

  test('a search that throws, or a size that is not a whole number, answers with an error result', () => {
    const throwing = () => {
      throw new Error('index closed');
    };
    expect(runSearch({ query: 'q' }, { limit: 2, errorCategories: [] }, Math.random, throwing)).toEqual({ result: null, error: 'index closed' });
    expect(runSearch({ size: 'many' }, { limit: 2, errorCategories: [] }, Math.random, search).error).toContain('`size` must be a whole number');
    expect(runSearch({ size: 1.5 }, { limit: 2, errorCategories: [] }, Math.random, search).error).toContain('got 1.5');
  });
});
