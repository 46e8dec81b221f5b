import type { SearchDocument } from './search-document.ts';

/** Which groups a grouped sampler may draw from, for one draw: one of the two, or neither (all groups). */
export interface GroupFilter {
  /** Only these groups (renormalized). */
  readonly includeGroups?: readonly string[] | undefined;
  /** Every group but these (renormalized). */
  readonly excludeGroups?: readonly string[] | undefined;
}

/**
 * Picks the documents of one conversation's scenario from a search engine (DGT's `DocumentSampler`): `sample(k,
 * random)` returns at most `k` documents. Samplers keep no state between draws; draws come from `random`.
 *
 * ## Example
 * ```ts
 * const sampler = randomDocumentSampler(engine, { groupBy: 'domain' });
 * sampler.sample(3, seededRandom(1)); // three documents of one domain
 * ```
 */
export interface DocumentSampler {
  sample(k: number, random: () => number, filter?: GroupFilter): SearchDocument[];
}
