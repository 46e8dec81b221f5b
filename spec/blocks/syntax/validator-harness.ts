import type { z } from 'zod';
import type { ConfigError } from '../../../lib/errors/config-error.ts';
import { parseBlockConfig } from '../../../lib/blocks/block-operator.ts';
import type { BlockCall, BlockContext, BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import type { Fields } from '../../../lib/record.ts';
import { blockContext, configErrorFrom } from '../../helpers/block-harness.ts';

/** A block context for a block written at `blocks.0` of `b.yaml` in `directory`; it has no engines. */
export function contextIn(directory: string): BlockContext {
  return blockContext('syntax', { directory });
}

const call = { id: '0-test', record: { task_name: 't', is_seed: false }, signal: new AbortController().signal, spend: () => {} } satisfies BlockCall;

/** A verdict of either kind, its fields readable without narrowing. */
export interface AnyVerdict {
  readonly valid: boolean;
  readonly code?: string;
  readonly reason?: string;
  readonly line?: number;
  readonly column?: number;
  readonly metadata?: Fields;
}

/**
 * The check of a validator created from `fields` (parsed as the registry parses a block config), as a function of the
 * value of its input `input`.
 */
export function checkerOf<Shape extends z.ZodRawShape>(
  definition: BlockDefinition<Shape>,
  fields: Record<string, unknown> = {},
  directory = '/nonexistent',
): (value: unknown) => Promise<AnyVerdict> {
  const block = definition as unknown as BlockDefinition;
  const context = contextIn(directory);
  const config = parseBlockConfig(block, { name: 'check', type: block.type, ...fields }, context);
  const behaviour = block.create(config, context);
  if (behaviour.kind !== 'validator') throw new Error(`${block.type} is not a validator`);
  return async (value) => (await behaviour.check({ input: value }, call)) as AnyVerdict;
}

/** The ConfigError creating a validator from `fields` throws (fails when it throws none or another error). */
export function configErrorOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>, directory = '/nonexistent'): ConfigError {
  return configErrorFrom(() => checkerOf(definition, fields, directory), `creating ${definition.type} with ${JSON.stringify(fields)}`);
}
