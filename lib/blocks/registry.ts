import { ConfigError } from '../errors/config-error.ts';
import type { BlockDefinition } from './block-definition.ts';
import { embeddingBlocks } from './embedding/index.ts';
import { judgeBlocks } from './judges/index.ts';
import { similarityBlocks } from './similarity/index.ts';
import { syntaxBlocks } from './syntax/index.ts';
import { utilityBlocks } from './utilities/index.ts';

/** The block types rxdgt ships: each folder of `lib/blocks/` lists its own. */
const builtIn: readonly (readonly BlockDefinition[])[] = [utilityBlocks, judgeBlocks, syntaxBlocks, similarityBlocks, embeddingBlocks];

/** Every block type rxdgt knows, by DGT `type`. */
const registered = new Map<string, BlockDefinition>(builtIn.flat().map((definition) => [definition.type, definition]));

/**
 * Adds a block type, so builder YAMLs (and `pipeline:` builders) can name it. A type may be registered once.
 *
 * ## Example
 * ```ts
 * import { z } from 'zod';
 * import { registerBlock } from 'rxdgt';
 * registerBlock({ type: 'my/upper', summary: 'upper-cases `input`', fields: {}, inputs: { required: ['input'] },
 *   create: () => ({ kind: 'transform', run: (input) => ({ output: String(input.input).toUpperCase() }) }) });
 * ```
 * @throws {ConfigError} when the type is already registered
 */
export function registerBlock(definition: BlockDefinition): void {
  if (registered.has(definition.type)) throw new ConfigError(`block type \`${definition.type}\` is already registered`);
  registered.set(definition.type, definition);
}

/** The definition of a block type, or undefined. */
export function findBlockDefinition(type: string): BlockDefinition | undefined {
  return registered.get(type);
}

/** Every registered block type, sorted. */
export function blockTypes(): string[] {
  return [...registered.keys()].sort();
}
