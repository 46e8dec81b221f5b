import { type DocumentSampler, type GroupFilter } from './document-sampler.ts';
import { type SearchDocument, searchDocument } from './search-document.ts';
import type { SearchEngine } from './search-engine.ts';

/** Config of {@link randomDocumentSampler} (DGT's `search/random` sampler fields). */
export interface RandomDocumentSamplerConfig {
  /** Dotted field path (in a document's `metadata`, else its `id` or `text`) whose value groups the corpus; one group is drawn per sample. */
  readonly groupBy?: string | undefined;
  /** How a group is drawn: each equally likely (`uniform`), or by its document count (`proportional`). @default 'uniform' */
  readonly strategy?: 'uniform' | 'proportional' | undefined;
}

/** The value at a dotted path, or undefined. */
function valueAt(source: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined), source);
}

/** A document's group: the value at `path` in its metadata, else in `{ id, text }`; '' when neither has it. */
function groupOf(document: SearchDocument, path: string): string {
  const value = valueAt(document.metadata ?? {}, path) ?? valueAt({ id: document.id, text: document.text }, path);
  return value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

function drawWithoutReplacement<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const drawn: T[] = [];
  while (drawn.length < count && pool.length > 0) drawn.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return drawn;
}

/** The groups a draw may use, with their weights renormalized. @throws {RangeError} for a bad filter */
function eligible(pools: ReadonlyMap<string, readonly SearchDocument[]>, weights: ReadonlyMap<string, number>, filter: GroupFilter): [string, number][] {
  const { includeGroups, excludeGroups } = filter;
  if (includeGroups !== undefined && excludeGroups !== undefined) throw new RangeError('randomDocumentSampler: `includeGroups` and `excludeGroups` cannot both be given');
  const known = [...pools.keys()];
  if (includeGroups !== undefined) {
    const unknown = includeGroups.filter((group) => !pools.has(group));
    if (unknown.length > 0) throw new RangeError(`randomDocumentSampler: \`includeGroups\` names unknown groups ${JSON.stringify(unknown)} (groups: ${JSON.stringify(known)})`);
  }
  const kept = known.filter((group) => (includeGroups ? includeGroups.includes(group) : !excludeGroups?.includes(group)));
  if (kept.length === 0) throw new RangeError(`randomDocumentSampler: no group is left to draw from (groups: ${JSON.stringify(known)})`);
  const total = kept.reduce((sum, group) => sum + weights.get(group)!, 0);
  return kept.map((group) => [group, weights.get(group)! / total]);
}

/**
 * DGT's `search/random` document sampler. Without `groupBy` it asks the engine for `k` documents with no query
 * (a `search/file` engine draws them at random; a `search/in_memory` one returns none without a query) and reads
 * them back as DGT does: fields other than `id`, `text` and `score` go under `metadata`, so an engine document's
 * own `metadata` ends up nested (`metadata.metadata`), and an engine error gives no documents. With `groupBy` it
 * groups the engine's whole corpus once, then each sample draws one group (by `strategy`; `filter` can narrow the
 * groups for that draw) and `k` documents of it without replacement, so a scenario's documents share a topic.
 *
 * ## Example
 * ```ts
 * const sampler = randomDocumentSampler(engine, { groupBy: 'domain', strategy: 'proportional' });
 * sampler.sample(2, seededRandom(3)).map((document) => document.metadata?.domain); // ['library', 'library']
 * sampler.sample(2, seededRandom(3), { excludeGroups: ['library'] }); // two documents of another domain
 * ```
 */
export function randomDocumentSampler(engine: SearchEngine, config: RandomDocumentSamplerConfig = {}): DocumentSampler {
  const { groupBy, strategy = 'uniform' } = config;
  if (groupBy === undefined) {
    return {
      sample: (k, random) => {
        const { result } = engine.search({ size: k }, random);
        if (!Array.isArray(result)) return [];
        return (result as readonly SearchDocument[]).map((item, index) => {
          const { id, text, score, ...rest } = item as SearchDocument & Readonly<Record<string, unknown>>;
          return searchDocument({ id: String(id ?? index), text: String(text ?? ''), score, metadata: rest });
        });
      },
    };
  }
  const pools = new Map<string, SearchDocument[]>();
  for (const document of engine.corpus()) {
    const group = groupOf(document, groupBy);
    const pool = pools.get(group);
    if (pool) pool.push(document);
    else pools.set(group, [document]);
  }
  const corpusSize = engine.corpus().length;
  const weights = new Map([...pools].map(([group, pool]) => [group, strategy === 'proportional' ? pool.length / corpusSize : 1 / pools.size]));
  return {
    sample: (k, random, filter = {}) => {
      if (pools.size === 0) return [];
      const groups = eligible(pools, weights, filter);
      let left = random();
      const chosen = groups.find(([, weight]) => (left -= weight) < 0)?.[0] ?? groups.at(-1)![0];
      return drawWithoutReplacement(pools.get(chosen)!, k, random);
    },
  };
}
