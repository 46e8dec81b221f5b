import type { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { dedupEmbeddingBlock } from './dedup-embedding.ts';
import { magpieDistanceBlock } from './magpie-distance.ts';

/**
 * The blocks that compare records by their embeddings, through the `embedding_config` engine each names:
 * `dedup/embedding` (rejects near-duplicates of earlier records) and `magpie_distance` (tags each record's
 * near-duplicates in the whole dataset, for `magpie_filter`).
 *
 * ## Example
 * ```ts
 * import { blockTypes } from 'rxdgt';
 * blockTypes(); // [..., 'dedup/embedding', 'magpie_distance', ...]
 * ```
 */
// The definitions' own shapes are narrower than the registry's; each parses its config with its own fields.
export const embeddingBlocks = [dedupEmbeddingBlock, magpieDistanceBlock] as readonly unknown[] as readonly BlockDefinition<z.ZodRawShape>[];
