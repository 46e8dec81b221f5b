import type { SearchDocument } from './search-document.ts';

/** A search's arguments, as a retrieval tool call carries them: `query`, and `size` (or `limit`) for how many. */
export type SearchArguments = Readonly<Record<string, unknown>>;

/**
 * What one search gave (DGT's `ToolResult` of a retrieval call): the documents; or, when an injected error fired, a
 * `null` result with the error's text, an empty list, or a garbled text result (`'<garbled>'`).
 */
export interface SearchResult {
  readonly result: readonly SearchDocument[] | string | null;
  readonly error: string | null;
}

/**
 * A document search engine over a bounded corpus (DGT's `SearchToolEngine`: `search/file`, `search/in_memory`), usable
 * by any builder: `search` answers one retrieval call, `corpus` lists every document (for samplers that group them).
 * Engines hold no state between calls; draws (random picks, injected errors) come from the `random` passed in, so a
 * seeded caller repeats them.
 *
 * ## Example
 * ```ts
 * import { createSearchEngine } from 'rxdgt';
 * const engine = createSearchEngine({ type: 'search/in_memory', path: 'docs.jsonl' }, { file: 'task.yaml', field: 'tools.engines.kb', directory: '.' });
 * engine.search({ query: 'library hours', size: 2 }, Math.random);
 * // { result: [{ id: 'hours', text: 'The library opens at 9.', score: 0.61, metadata: { title: 'Hours' } }, ...], error: null }
 * ```
 */
export interface SearchEngine {
  /** The engine's registered type (`search/file`). */
  readonly type: string;
  /** Documents a search returns when its arguments give no `size` or `limit` (the engine's `limit`). */
  readonly limit: number;
  /** Answers one retrieval call: error injection first, then the search, then the `relevance_threshold` filter. */
  search(searchArguments: SearchArguments, random: () => number): SearchResult;
  /** Every document of the corpus, in file order, unranked. */
  corpus(): readonly SearchDocument[];
}
