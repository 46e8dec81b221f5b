import { type MonoTypeOperatorFunction, type OperatorFunction, map, pipe } from 'rxjs';
import { mapAccepted, passOn } from '../outcome.ts';
import type { DataPoint, Outcome } from '../record.ts';
import { type Builder, withConcurrency } from '../run/task-options.ts';
import type { GenerationInput } from '../run/task-inputs.ts';
import { withInputContext, withoutInputContext } from './input-context.ts';

/** A pipeline's blocks, in order, and how many records it works on at once. */
export interface PipelineParts {
  readonly operators: readonly MonoTypeOperatorFunction<Outcome<DataPoint>>[];
  readonly concurrency: number;
}

function chain(operators: readonly MonoTypeOperatorFunction<Outcome<DataPoint>>[]): MonoTypeOperatorFunction<Outcome<DataPoint>> {
  return (source) => operators.reduce((stream, operator) => stream.pipe(operator), source);
}

/** Turns a seed batch into the record the first block sees: `task_name`, `is_seed: false`, and the batch as context. */
const startRecord: OperatorFunction<Outcome<GenerationInput>, Outcome<DataPoint>> = mapAccepted((outcome) =>
  passOn(outcome, withInputContext({ task_name: outcome.record.task_name, is_seed: false }, { examples: outcome.record.examples, seed: outcome.record.seed })),
);

/**
 * Drops the input context from the records that leave the pipeline, accepted and rejected alike (a rejected record
 * keeps its last shape, context included): nothing downstream holds on to the batch's examples.
 */
const endRecord: MonoTypeOperatorFunction<Outcome<DataPoint>> = map((outcome) => {
  if (outcome.status === 'accepted') return passOn(outcome, withoutInputContext(outcome.record));
  if (outcome.status === 'rejected' && typeof outcome.record === 'object' && outcome.record !== null) {
    const record = withoutInputContext(outcome.record as DataPoint);
    return record === outcome.record ? outcome : { ...outcome, record };
  }
  return outcome;
});

/**
 * A generation builder from blocks (a `pipeline:` builder YAML of `kind: generation`): each seed batch starts a record
 * with `task_name` and `is_seed: false`; its first blocks see the batch's `examples` (an LM block's prompt template
 * has them in scope); the record then flows through every block in order.
 */
export function generationPipeline(parts: PipelineParts): Builder<GenerationInput> {
  return withConcurrency(pipe(startRecord, chain(parts.operators), endRecord), parts.concurrency);
}

/** A transformation builder from blocks (`kind: transformation`): each input record flows through every block in order. */
export function transformationPipeline(parts: PipelineParts): Builder<DataPoint> {
  return withConcurrency(chain(parts.operators), parts.concurrency);
}
