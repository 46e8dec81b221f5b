import { errorMessage } from '../error-message.ts';
import type { SearchDocument } from './search-document.ts';
import type { SearchErrorCategory } from './search-engine-config.ts';
import type { SearchArguments, SearchResult } from './search-engine.ts';

/** What every search engine does around its own search: how many to return, injected errors, the relevance filter. */
export interface SearchSettings {
  /** Documents returned when the arguments give no `size` or `limit`. */
  readonly limit: number;
  readonly relevanceThreshold?: number | undefined;
  readonly errorCategories: readonly SearchErrorCategory[];
}

/** The result an injected error of `category` gives (DGT's `_inject_error`). */
function injected(category: SearchErrorCategory): SearchResult {
  switch (category.type) {
    case 'network_error':
      return { result: null, error: category.message ?? 'Connection timed out' };
    case 'empty_result':
      return { result: [], error: null };
    case 'unparseable_result':
      return { result: '<garbled>', error: null };
    default:
      return { result: null, error: `Simulated error: ${category.type}` };
  }
}

/**
 * Runs one retrieval call the way DGT's `SearchToolEngine` does: each error category fires on its own with its
 * probability (one of those that fired, drawn at random, answers the call); else the engine's `search` runs with the
 * call's `size` (or `limit`, else the engine's default), and ranked documents below `relevanceThreshold` are dropped.
 * A search that throws, or a `size` that is not a whole number of 1 or more, answers with an error result.
 *
 * ## Example
 * ```ts
 * runSearch({ query: 'hours', size: 2 }, { limit: 5, errorCategories: [] }, Math.random, (query, limit) => documents.slice(0, limit));
 * // { result: [documents[0], documents[1]], error: null }
 * ```
 */
export function runSearch(
  searchArguments: SearchArguments,
  settings: SearchSettings,
  random: () => number,
  search: (query: string, limit: number, random: () => number) => readonly SearchDocument[],
): SearchResult {
  const fired = settings.errorCategories.filter((category) => random() < category.probability);
  if (fired.length > 0) return injected(fired[Math.floor(random() * fired.length)]!);
  const asked = searchArguments['size'] ?? searchArguments['limit'] ?? settings.limit;
  const limit = typeof asked === 'string' && /^\s*\d+\s*$/.test(asked) ? Number(asked) : asked;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) return { result: null, error: `\`size\` must be a whole number of 1 or more, got ${JSON.stringify(asked)}` };
  const query = typeof searchArguments['query'] === 'string' ? searchArguments['query'] : '';
  let documents: readonly SearchDocument[];
  try {
    documents = search(query, limit, random);
  } catch (error) {
    return { result: null, error: errorMessage(error) };
  }
  const threshold = settings.relevanceThreshold;
  const kept = threshold === undefined ? documents : documents.filter((document) => document.score === undefined || document.score >= threshold);
  return { result: kept, error: null };
}
