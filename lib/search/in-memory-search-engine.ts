import { type SearchDocument, searchDocument } from './search-document.ts';
import type { SearchEngine } from './search-engine.ts';
import { type SearchSettings, runSearch } from './run-search.ts';
import { tfidfIndex } from './tfidf-index.ts';

/**
 * DGT's `search/in_memory` engine over loaded documents: each search ranks every document by similarity to the
 * query and returns the best `size`, each with its `score` (ties keep corpus order). DGT scores with
 * sentence-transformers embeddings; rxdgt scores with TF-IDF cosine similarity (see `tfidfIndex`), so a document
 * shares words with the query to score above 0. As in DGT, an empty query returns nothing, and the best `size`
 * are returned whatever their score unless `relevanceThreshold` filters them.
 *
 * ## Example
 * ```ts
 * const engine = inMemorySearchEngine(documents, { limit: 2, errorCategories: [], relevanceThreshold: 0.1 });
 * engine.search({ query: 'recycling pickup day' }, Math.random).result;
 * // [{ id: 'recycling-1', text: 'Recycling pickup is on Mondays...', score: 0.58, metadata: {...} }]
 * ```
 */
export function inMemorySearchEngine(documents: readonly SearchDocument[], settings: SearchSettings): SearchEngine {
  const index = tfidfIndex(documents.map((document) => document.text));
  const search = (query: string, limit: number): SearchDocument[] => {
    if (!query.trim() || documents.length === 0) return [];
    const { order, scores } = index.ranked(query);
    return order
      .slice(0, limit)
      .map((position) => {
        const document = documents[position]!;
        return searchDocument({ id: document.id, text: document.text, score: scores[position]!, metadata: document.metadata });
      });
  };
  return {
    type: 'search/in_memory',
    limit: settings.limit,
    search: (searchArguments, random) => runSearch(searchArguments, settings, random, search),
    corpus: () => documents,
  };
}
