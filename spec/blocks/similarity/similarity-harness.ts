import type { Observable } from 'rxjs';
import type { z } from 'zod';
import type { BlockContext, BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import type { ConfigError } from '../../../lib/errors/config-error.ts';
import { accepted } from '../../../lib/outcome.ts';
import type { DataPoint, Outcome, Rejected, Restored } from '../../../lib/record.ts';
import { blockContext, configErrorFrom, operatorOf as operatorIn, outcomesThrough, record } from '../../helpers/block-harness.ts';

export { plain, record } from '../../helpers/block-harness.ts';

/** A block written at `blocks.0` of `b.yaml`; similarity blocks need no engine. */
export const context: BlockContext = blockContext('similarity');

/** An accepted outcome of a record with `question`. */
export const question = (id: string, text: unknown, fields: Record<string, unknown> = {}) => accepted(id, record({ question: text, ...fields }));

/** A restored outcome of a record with `question`. */
export const restoredQuestion = (id: string, text: unknown): Restored => ({ status: 'restored', id, record: record({ question: text }) });

/** The operator of a block named `b` with `fields`, made as the registry makes it. */
export function operatorOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>) {
  return operatorIn(definition, fields, context);
}

/** Every outcome of `outcomes` through the block. */
export function runBlock<Shape extends z.ZodRawShape>(
  definition: BlockDefinition<Shape>,
  fields: Record<string, unknown>,
  outcomes: readonly Outcome<DataPoint>[] | Observable<Outcome<DataPoint>>,
): Promise<Outcome<DataPoint>[]> {
  return outcomesThrough(definition, fields, context, outcomes);
}

/** The statuses of outcomes, in order. */
export const statusesOf = (outcomes: readonly Outcome<DataPoint>[]) => outcomes.map((outcome) => outcome.status);

/** The issues of a rejected outcome. */
export const issuesOf = (outcome: Outcome<DataPoint> | undefined) => (outcome as Rejected).issues;

/** The ConfigError making a block from `fields` throws (fails when it throws none). */
export function configErrorOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>): ConfigError {
  return configErrorFrom(() => operatorOf(definition, fields), `making ${definition.type} from ${JSON.stringify(fields)}`);
}
