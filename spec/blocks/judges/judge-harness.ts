import { type Observable, isObservable, lastValueFrom } from 'rxjs';
import type { BlockCall, BlockContext, BlockDefinition, BlockFields, Verdict } from '../../../lib/blocks/block-definition.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import type { Engine } from '../../../lib/model/engine.ts';
import type { DataPoint, Outcome } from '../../../lib/record.ts';
import { engineFromBlock } from '../../../lib/run/lm-block.ts';
import type { TestServer } from '../../../lib/testing/test-server.ts';
import { acceptedRecords, blockContext, callOf, configErrorFrom, behaviourOf as behaviourIn, outcomesThrough } from '../../helpers/block-harness.ts';

export { callOf, record } from '../../helpers/block-harness.ts';

/** A block at `blocks.0` of `b.yaml`, whose `lm_config` engines are made as the builder registry makes them. */
export const context: BlockContext = blockContext('judge', {
  engine: (config, field) => {
    if (typeof config !== 'object' || config === null) throw new ConfigError(`needs \`${field}\``, { file: 'b.yaml', field: `blocks.0.${field}` });
    return engineFromBlock({ name: `b.${field}`, ...config }, { file: 'b.yaml', field: `blocks.0.${field}` });
  },
});

/** A context whose every engine is `engine`. */
export const contextWith = (engine: Engine): BlockContext => ({ ...context, engine: () => engine });

/** The `lm_config` of the test server's model, without retries. */
export const lmConfigOf = (server: TestServer, extra: Record<string, unknown> = {}) => ({
  type: 'openai',
  model_id_or_path: 'test-model',
  base_url: server.baseURL,
  api_key: 'k',
  max_retries: 0,
  ...extra,
});

/** The behaviour of a block made from `fields` (parsed as the registry parses them, name `b`). */
export function behaviourOf(definition: BlockDefinition, fields: Record<string, unknown>, where: BlockContext = context) {
  return behaviourIn(definition, fields, where);
}

function settle<T>(answer: T | PromiseLike<T> | Observable<T>): Promise<T> {
  return isObservable(answer) ? lastValueFrom(answer) : Promise.resolve(answer);
}

/** The verdict of a validator on one block input; a block that throws rejects the promise. */
export async function checkOf(definition: BlockDefinition, fields: Record<string, unknown>, input: BlockFields, call: BlockCall = callOf()): Promise<Verdict> {
  const behaviour = behaviourOf(definition, fields);
  if (behaviour.kind !== 'validator') throw new Error(`${definition.type} is not a validator`);
  return settle(behaviour.check(input, call));
}

/** The outputs of a transform on one block input. */
export async function runOf(definition: BlockDefinition, fields: Record<string, unknown>, input: BlockFields, call: BlockCall = callOf()): Promise<BlockFields | readonly BlockFields[]> {
  const behaviour = behaviourOf(definition, fields);
  if (behaviour.kind !== 'transform') throw new Error(`${definition.type} is not a transform`);
  return settle(behaviour.run(input, call));
}

/** The ConfigError making a block from `fields` throws (fails when it throws none). */
export function configErrorOf(definition: BlockDefinition, fields: Record<string, unknown>): ConfigError {
  return configErrorFrom(() => behaviourOf(definition, fields), `making ${definition.type} from ${JSON.stringify(fields)}`);
}

/** The error a promise rejects with (fails when it resolves). */
export async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

/** The outcomes of `records` through the block operator of `config` (name `b`), in input order. */
export async function runBlock(definition: BlockDefinition, config: Record<string, unknown>, records: readonly DataPoint[]): Promise<Outcome<DataPoint>[]> {
  const outcomes = await outcomesThrough(definition, config, context, acceptedRecords(records));
  return outcomes.sort((left, right) => Number.parseInt(left.id, 10) - Number.parseInt(right.id, 10));
}

/** The text of the last user message (chat) or the prompt (completion) of a request the test server received. */
export const promptOf = (request: { readonly body: any }): string => String(request.body.messages?.at(-1)?.content ?? request.body.prompt ?? '');
