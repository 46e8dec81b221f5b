import type { z } from 'zod';
import type { BlockContext, BlockDefinition, BlockFields, Verdict } from '../../../lib/blocks/block-definition.ts';
import type { ConfigError } from '../../../lib/errors/config-error.ts';
import type { DataPoint, Outcome } from '../../../lib/record.ts';
import { acceptedRecords, behaviourOf, blockContext, callOf, configErrorFrom, outcomesThrough } from '../../helpers/block-harness.ts';

export { record } from '../../helpers/block-harness.ts';

/** A block written at `blocks.0` of `b.yaml`; it has no engines. */
export const context: BlockContext = blockContext('utility');

const call = callOf();

/** The verdict of a validator made from `fields` (parsed as the registry parses them) on one block input. */
export function checkOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>, input: BlockFields): Verdict {
  const behaviour = behaviourOf(definition, fields, context);
  if (behaviour.kind !== 'validator') throw new Error(`${definition.type} is not a validator`);
  return behaviour.check(input, call) as Verdict;
}

/** The outputs of a transform made from `fields` on one block input. */
export function runOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>, input: BlockFields): BlockFields | readonly BlockFields[] {
  const behaviour = behaviourOf(definition, fields, context);
  if (behaviour.kind !== 'transform') throw new Error(`${definition.type} is not a transform`);
  return behaviour.run(input, call) as BlockFields | readonly BlockFields[];
}

/** The ConfigError making a block from `fields` throws (fails when it throws none). */
export function configErrorOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>): ConfigError {
  return configErrorFrom(() => behaviourOf(definition, fields, context), `making ${definition.type} from ${JSON.stringify(fields)}`);
}

/** The outcomes of `records` through the block operator of `config` (name `b`). */
export function runBlock<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, config: Record<string, unknown>, records: readonly DataPoint[]): Promise<Outcome<DataPoint>[]> {
  return outcomesThrough(definition, config, context, acceptedRecords(records));
}
