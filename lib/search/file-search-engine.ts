import type { SearchDocument } from './search-document.ts';
import type { SearchEngine } from './search-engine.ts';
import { type SearchSettings, runSearch } from './run-search.ts';

/** `count` of the items drawn without replacement, in draw order (all of them, shuffled, when there are fewer). */
function drawWithoutReplacement<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const drawn: T[] = [];
  while (drawn.length < count && pool.length > 0) drawn.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return drawn;
}

/**
 * DGT's `search/file` engine over loaded documents: each search draws `size` documents uniformly at random without
 * replacement, whatever the query (diversity over relevance); the documents carry no score. Error injection and the
 * relevance filter as every engine (see `runSearch`). Build one from a task's config with `createSearchEngine`.
 *
 * ## Example
 * ```ts
 * const engine = fileSearchEngine(documents, { limit: 3, errorCategories: [] });
 * engine.search({}, seededRandom(1)).result; // three of the documents, drawn at random
 * engine.search({ size: 1 }, seededRandom(1)).result; // one
 * ```
 */
export function fileSearchEngine(documents: readonly SearchDocument[], settings: SearchSettings): SearchEngine {
  return {
    type: 'search/file',
    limit: settings.limit,
    search: (searchArguments, random) => runSearch(searchArguments, settings, random, (_query, limit, draw) => drawWithoutReplacement(documents, limit, draw)),
    corpus: () => documents,
  };
}
