/**
 * What the specs of spec/blocks/** share: a block written at `blocks.0` of `b.yaml`, named `b`, made from its fields
 * as the registry makes it, its behaviour called directly or its operator run over outcomes.
 */
import { type Observable, from, isObservable, lastValueFrom, toArray } from 'rxjs';
import type { z } from 'zod';
import type { BlockCall, BlockContext, BlockDefinition } from '../../lib/blocks/block-definition.ts';
import { blockOperator, parseBlockConfig } from '../../lib/blocks/block-operator.ts';
import { accepted } from '../../lib/outcome.ts';
import type { DataPoint, Outcome, Usage } from '../../lib/record.ts';

export { configErrorFrom } from './config-error-from.ts';

/**
 * The context of a block at `blocks.0` of `b.yaml` (in `/nonexistent` unless given): an engine or embedder it asks
 * for throws, naming the `specs` that have none, unless `overrides` gives one.
 */
export function blockContext(specs: string, overrides: Partial<Pick<BlockContext, 'directory' | 'engine' | 'embedder'>> = {}): BlockContext {
  return {
    file: 'b.yaml',
    field: 'blocks.0',
    directory: '/nonexistent',
    builderKind: 'transformation',
    engine: () => {
      throw new Error(`no engine in ${specs} specs`);
    },
    embedder: () => {
      throw new Error(`no embedder in ${specs} specs`);
    },
    ...overrides,
  };
}

/** A task record with `fields`. */
export const record = (fields: Record<string, unknown>): DataPoint => ({ task_name: 't', is_seed: false, ...fields });

/** A definition with its own fields, typed as the registry holds it. */
export const plain = <Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>) => definition as unknown as BlockDefinition;

/** A block call (of an empty record) that keeps what was spent. */
export function callOf(id = '0-test'): BlockCall & { readonly spent: Usage[] } {
  const spent: Usage[] = [];
  return { id, record: record({}), signal: new AbortController().signal, spend: (usage) => void spent.push(usage), spent };
}

/** The behaviour of a block made from `fields` (parsed as the registry parses them, name `b`). */
export function behaviourOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>, context: BlockContext) {
  const config = parseBlockConfig(plain(definition), { name: 'b', type: definition.type, ...fields }, context);
  return plain(definition).create(config, context);
}

/** The operator of a block named `b` with `fields`, made as the registry makes it. */
export function operatorOf<Shape extends z.ZodRawShape>(definition: BlockDefinition<Shape>, fields: Record<string, unknown>, context: BlockContext) {
  return blockOperator(plain(definition), { name: 'b', type: definition.type, ...fields }, context);
}

/** Every outcome of `outcomes` through the block's operator, in the order it gives them. */
export function outcomesThrough<Shape extends z.ZodRawShape>(
  definition: BlockDefinition<Shape>,
  fields: Record<string, unknown>,
  context: BlockContext,
  outcomes: readonly Outcome<DataPoint>[] | Observable<Outcome<DataPoint>>,
): Promise<Outcome<DataPoint>[]> {
  const source = isObservable(outcomes) ? outcomes : from(outcomes);
  return lastValueFrom(source.pipe(operatorOf(definition, fields, context), toArray()));
}

/** `records` as accepted outcomes, with ids `0-x`, `1-x`, ... */
export const acceptedRecords = (records: readonly DataPoint[]): Outcome<DataPoint>[] => records.map((each, index) => accepted(`${index}-x`, each));
