import type { z } from 'zod';
import type { BlockDefinition } from '../block-definition.ts';
import { exactDedupBlock } from './dedup-exact.ts';
import { minHashDedupBlock } from './dedup-minhash.ts';
import { rougeScorerBlock } from './rouge-scorer.ts';

/** A definition with its own field shape forgotten, for the registry's list (its `create` takes what its fields parse to). */
const listed = <Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>) => definition as unknown as BlockDefinition<z.ZodRawShape>;

/** The text-similarity blocks: `rouge_scorer`, `dedup/exact`, `dedup/minhash`. */
export const similarityBlocks: readonly BlockDefinition<z.ZodRawShape>[] = [listed(rougeScorerBlock), listed(exactDedupBlock), listed(minHashDedupBlock)];
