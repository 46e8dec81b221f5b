import { type MonoTypeOperatorFunction, type Observable, catchError, defaultIfEmpty, defer, finalize, from, isObservable, mergeMap, of, pipe, take, throwError } from 'rxjs';
import { z } from 'zod';
import { blockSubject, zodIssueToConfigError } from '../config/zod-issue.ts';
import { ApiCallError } from '../errors/api-call-error.ts';
import { ConfigError } from '../errors/config-error.ts';
import { RetryError } from '../errors/retry-error.ts';
import { errorMessage } from '../error-message.ts';
import { addUsage, fanOut, mapAccepted, passOn, rejected, rejectedMarked } from '../outcome.ts';
import type { Accepted, DataPoint, Outcome, RecordIssue, Usage } from '../record.ts';
import { isFatal } from '../../operators/generate-internals.ts';
import { BlockError } from './block-error.ts';
import { type FieldMap, type InputReader, type OutputWriter, inputReader, outputWriter } from './block-io.ts';
import type { BlockAnswer, BlockBehaviour, BlockCall, BlockContext, BlockDefinition, BlockFields, Verdict } from './block-definition.ts';
import { inputContextOf } from './input-context.ts';

const fieldMapSchema = z.union([z.record(z.string(), z.string().min(1)), z.array(z.string().min(1))]);

/** The fields every block takes (DGT's `Block`): its name, its type and the two maps. */
export const commonBlockShape = {
  name: z.string().min(1),
  type: z.string().min(1),
  input_map: fieldMapSchema.optional(),
  output_map: fieldMapSchema.optional(),
};

/** Parses a block's config with its definition's schema plus the common fields; unknown fields are errors. */
export function parseBlockConfig(definition: BlockDefinition, raw: unknown, where: { readonly file: string; readonly field: string }) {
  const schema = z.strictObject({
    ...commonBlockShape,
    ...(definition.validator ? { filter: z.boolean().default(definition.filterByDefault ?? false) } : {}),
    ...definition.fields,
  });
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, where.file, { fieldPrefix: where.field, subject: blockSubject(raw) });
  return { filter: false, ...parsed.data } as Parameters<BlockDefinition['create']>[0];
}

/** The issue a thrown error files a record under: its own code, an LM failure, or `block_failed`. */
export function issueOfError(error: unknown, block: string): RecordIssue {
  if (BlockError.isInstance(error)) return { code: error.code, message: error.message, block };
  if (ApiCallError.isInstance(error) || RetryError.isInstance(error)) return { code: 'lm_call_failed', message: errorMessage(error), block };
  return { code: 'block_failed', message: errorMessage(error), block };
}

function observe<T>(answer: BlockAnswer<T>): Observable<T> {
  if (isObservable(answer)) return answer;
  if (typeof (answer as PromiseLike<T> | undefined)?.then === 'function') return from(answer as PromiseLike<T>);
  return of(answer as T);
}

/**
 * Runs one record through a per-record block function: the call context, the answer's first value, usage spent, and
 * a rejection for an error. Unsubscribing aborts the call's signal (and the answer's own observable).
 */
function perRecord<A>(
  outcome: Accepted<DataPoint>,
  input: BlockFields,
  name: string,
  ask: (input: BlockFields, call: BlockCall) => BlockAnswer<A>,
  finish: (answer: A, usage: Usage | undefined) => Outcome<DataPoint> | Outcome<DataPoint>[],
): Observable<Outcome<DataPoint>> {
  return defer(() => {
    const controller = new AbortController();
    let usage = outcome.usage;
    const context = inputContextOf(outcome.record);
    const call: BlockCall = {
      id: outcome.id,
      record: outcome.record,
      signal: controller.signal,
      examples: context?.examples,
      seed: context?.seed,
      spend: (spent) => {
        usage = addUsage(usage, spent);
      },
    };
    let answer$: Observable<A>;
    try {
      answer$ = observe(ask(input, call));
    } catch (error) {
      answer$ = throwError(() => error);
    }
    return answer$.pipe(
      take(1),
      defaultIfEmpty(undefined as A | undefined),
      mergeMap((answer) => {
        if (answer === undefined) throw new BlockError('block_failed', `block \`${name}\` gave no answer`);
        const result = finish(answer, usage);
        return Array.isArray(result) ? result : [result];
      }),
      catchError((error: unknown) => (isFatal(error) ? throwError(() => error) : of(rejected(outcome, [issueOfError(error, name)], usage)))),
      // Answered, failed or unsubscribed: whatever the block still runs for this record (a promise it raced, a side
      // request) is told to stop, so nothing outlives the record.
      finalize(() => controller.abort()),
    );
  });
}

/** Applies a validator's verdict: marks, writes outputs, and rejects when filtering. */
function settleVerdict(
  outcome: Accepted<DataPoint>,
  verdict: Verdict,
  usage: Usage | undefined,
  options: { readonly name: string; readonly filter: boolean; readonly write: OutputWriter },
): Outcome<DataPoint> {
  const { name, filter, write } = options;
  if (typeof verdict !== 'object' || verdict === null || typeof verdict.valid !== 'boolean') {
    throw new BlockError('block_failed', `block \`${name}\` gave no verdict (expected { valid: boolean }), received ${JSON.stringify(verdict)}`);
  }
  const marks = { is_valid: verdict.valid, ...(verdict.metadata === undefined ? {} : { metadata: verdict.metadata }) };
  if (verdict.valid) {
    const record = write(outcome.record, { ...verdict.outputs, ...(filter ? {} : marks) });
    return passOn(outcome, record, usage);
  }
  const record = write(outcome.record, { ...verdict.outputs, ...marks });
  if (!filter) return passOn(outcome, record, usage);
  return rejectedMarked(outcome, record, [{ code: verdict.code ?? 'invalid', message: verdict.reason, block: name }], usage);
}

/** A transform's outputs, checked to be a plain object of fields (a string or a list would be written letter by letter). */
function fieldsOf(outputs: unknown, name: string): BlockFields {
  if (typeof outputs === 'object' && outputs !== null && !Array.isArray(outputs)) return outputs as BlockFields;
  const shown = Array.isArray(outputs) ? 'a list' : outputs === null ? 'null' : typeof outputs;
  throw new BlockError('block_failed', `block \`${name}\` gave ${shown} as its outputs, expected an object of fields (or a list of them)`);
}

/** Rejects accepted records whose inputs cannot be read (`input_missing`), before a stateful block sees them. */
function checkInputs(read: InputReader, name: string): MonoTypeOperatorFunction<Outcome<DataPoint>> {
  return mapAccepted((outcome) => {
    try {
      read(outcome.record);
      return outcome;
    } catch (error) {
      return rejected(outcome, [issueOfError(error, name)]);
    }
  });
}

/** The operator of a created block behaviour, with its maps. */
export function behaviourOperator(
  behaviour: BlockBehaviour,
  options: { readonly name: string; readonly filter: boolean; readonly read: InputReader; readonly write: OutputWriter },
): MonoTypeOperatorFunction<Outcome<DataPoint>> {
  const { name, read, write } = options;
  if (behaviour.kind === 'operator') return pipe(checkInputs(read, name), behaviour.operator(read));
  // A limit that is not a number of 1 or more (NaN, 0) would stall mergeMap: one at a time instead.
  const concurrency = (behaviour.concurrency ?? 1) >= 1 ? (behaviour.concurrency as number) : 1;
  const answer = (outcome: Accepted<DataPoint>): Observable<Outcome<DataPoint>> => {
    let input: BlockFields;
    try {
      input = read(outcome.record);
    } catch (error) {
      return of(rejected(outcome, [issueOfError(error, name)]));
    }
    if (behaviour.kind === 'validator') {
      return perRecord(outcome, input, name, (value, call) => behaviour.check(value, call), (verdict, usage) => settleVerdict(outcome, verdict, usage, options));
    }
    return perRecord(
      outcome,
      input,
      name,
      (value, call) => behaviour.run(value, call),
      (outputs, usage) => {
        const kept = passOn(outcome, outcome.record, usage);
        if (!Array.isArray(outputs)) return passOn(kept, write(outcome.record, fieldsOf(outputs, name)));
        return fanOut(
          kept,
          (outputs as readonly unknown[]).map((each) => write(outcome.record, fieldsOf(each, name))),
          name,
        );
      },
    );
  };
  return (source) => source.pipe(mergeMap((outcome) => (outcome.status === 'accepted' ? answer(outcome) : of(outcome)), concurrency));
}

/**
 * One configured block as an operator over outcomes: the config checked by the definition's schema (unknown fields are
 * errors naming the file and field), inputs read through `input_map`, outputs written through `output_map`, and for
 * validators DGT's `filter` (true: reject invalid records; false: keep them with `is_valid` and `metadata`). A record the
 * block fails on is rejected with the reason; the stream goes on.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { accepted, blockOperator, findBlockDefinition } from 'rxdgt';
 * const json = blockOperator(findBlockDefinition('validators/json')!, { name: 'json', type: 'validators/json', filter: true, input_map: { answer: 'input' } }, context);
 * of(accepted('0-ab12', { task_name: 't', is_seed: false, answer: '{"a": 1' })).pipe(json).subscribe((o) => console.log(o.status)); // 'rejected'
 * ```
 * @throws {ConfigError} naming the file and the block field, for a bad config
 */
export function blockOperator(definition: BlockDefinition, raw: unknown, context: BlockContext): MonoTypeOperatorFunction<Outcome<DataPoint>> {
  const config = parseBlockConfig(definition, raw, context);
  const mapped = <T>(field: 'input_map' | 'output_map', make: () => T): T => {
    try {
      return make();
    } catch (error) {
      throw new ConfigError(`block \`${config.name}\`: ${errorMessage(error)}`, { file: context.file, field: `${context.field}.${field}`, cause: error });
    }
  };
  const read = mapped('input_map', () => inputReader(definition.inputs, config.input_map as FieldMap | undefined, config.name));
  const write = mapped('output_map', () => outputWriter(config.output_map as FieldMap | undefined, config.name));
  const behaviour = definition.create(config, context);
  return behaviourOperator(behaviour, { name: config.name, filter: config.filter, read, write });
}
