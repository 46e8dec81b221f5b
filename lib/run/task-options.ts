import { type OperatorFunction, type SchedulerLike, asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { parseConfig } from '../parse-config.ts';
import type { DataPoint, Fields, Outcome } from '../record.ts';
import type { TaskResult } from '../store/task-store.ts';
import type { StopCriterion } from './stop-criteria.ts';
import type { GenerationInput } from './task-inputs.ts';
import type { TaskProgress } from './task-progress.ts';

/**
 * A databuilder's pipeline, as a task runs it. The contract: **one outcome per input**, in any order. A
 * block that refuses a record rejects it (the rejection is kept in `blocks/<block>.jsonl`); it never drops
 * it, as RxJS `filter` would: a task counts its inputs in flight by their outcomes. A builder may carry the
 * number of inputs it can serve at once (its LM block's `call_limit`), which a task uses by default.
 */
export type Builder<In> = OperatorFunction<Outcome<In>, Outcome<DataPoint>> & { readonly concurrency?: number };

/** Gives a builder pipe the concurrency its LM block can serve, for tasks to use by default. */
export function withConcurrency<In>(builder: OperatorFunction<Outcome<In>, Outcome<DataPoint>>, concurrency: number): Builder<In> {
  return Object.assign(builder, { concurrency });
}

interface CommonOptions {
  /** DGT's `task_name`: names the output folder and is stamped on every record. */
  readonly name: string;
  /** Output sub-path under `outputDir`, when it differs from the name (DGT's `store_name`). @default name */
  readonly storeName?: string;
  /** Parent of the task's folder (DGT's `output_dir`). @default process.env.DGT_OUTPUT_DIR ?? 'output' */
  readonly outputDir?: string;
  /** Most inputs in flight at once. @default the builder's `concurrency` (its LM block's `call_limit`), else 10 */
  readonly concurrency?: number;
  /** Extra stop criteria; any one ends the task. @default [] */
  readonly stopWhen?: readonly StopCriterion[];
  /** Stop once LM call failures reach this share of attempts (after `failureRateAfter` attempts). @default 0.5 */
  readonly maxFailureRate?: number;
  /** @default 20 */
  readonly failureRateAfter?: number;
  /** Experiment id written to `task_results.jsonl` (DGT's `--build-id`). @default 'exp' */
  readonly buildId?: string;
  readonly scheduler?: SchedulerLike;
  readonly random?: () => number;
}

/** A generation task: loops over its seeds until `numOutputsToGenerate` records are made or it stalls. */
export interface GenerationTaskOptions extends CommonOptions {
  readonly kind: 'generation';
  readonly builder: Builder<GenerationInput>;
  /** Seed examples (DGT's `seed_examples`); marked `is_seed: true`. */
  readonly seeds: readonly Fields[];
  /** Exactly this many records (DGT: `num_outputs_to_generate`, a lower bound there). @default 2 */
  readonly numOutputsToGenerate?: number;
  /** Seeds per batch. @default min(100, seeds.length) */
  readonly seedBatchSize?: number;
  /** Machine-made records mixed into each batch. @default 10 */
  readonly machineBatchSize?: number;
  /** Start over instead of resuming from the files of an earlier run. @default false */
  readonly restart?: boolean;
  /** Stop after this many attempts in a row without a new record (DGT's `max_stalled_attempts`). @default 100 */
  readonly maxStalledAttempts?: number;
}

/** A transformation task: one pass over its input records. Always starts over, as in DGT. */
export interface TransformationTaskOptions extends CommonOptions {
  readonly kind: 'transformation';
  readonly builder: Builder<DataPoint>;
  /** The records to transform (DGT's `data`). */
  readonly data: readonly Fields[];
}

export type TaskOptions = GenerationTaskOptions | TransformationTaskOptions;

/** Hooks a caller (the CLI) uses to watch a run. */
export interface RunHooks {
  onProgress?(progress: TaskProgress): void;
  onEnd?(result: TaskResult, progress: TaskProgress): void;
}

const commonShape = {
  name: z.string().min(1),
  storeName: z.string().min(1).optional(),
  outputDir: z.string().min(1).default(() => process.env['DGT_OUTPUT_DIR'] ?? 'output'),
  concurrency: z.number().int().min(1).optional(),
  stopWhen: z.array(z.custom<StopCriterion>((value) => typeof value === 'function')).default([]),
  maxFailureRate: z.number().gt(0).max(1).default(0.5),
  failureRateAfter: z.number().int().min(1).default(20),
  buildId: z.string().min(1).default('exp'),
  scheduler: z.custom<SchedulerLike>((value) => typeof (value as SchedulerLike)?.now === 'function').default(asyncScheduler),
  random: z.custom<() => number>((value) => typeof value === 'function').default(() => Math.random),
  builder: z.custom<Builder<never>>((value) => typeof value === 'function', 'expected an operator (a builder pipe)'),
};
export const taskOptionsSchema = z.discriminatedUnion('kind', [
  z.object({
    ...commonShape,
    kind: z.literal('generation'),
    seeds: z.array(z.record(z.string(), z.unknown())).min(1, 'a generation task needs at least one seed example'),
    numOutputsToGenerate: z.number().int().min(1).default(2),
    seedBatchSize: z.number().int().min(1).optional(),
    machineBatchSize: z.number().int().min(0).default(10),
    restart: z.boolean().default(false),
    maxStalledAttempts: z.number().int().min(1).default(100),
  }),
  z.object({ ...commonShape, kind: z.literal('transformation'), data: z.array(z.record(z.string(), z.unknown())) }),
]);
/** Task options after parsing, with the concurrency resolved. */
export type ParsedTaskOptions = z.output<typeof taskOptionsSchema> & { readonly concurrency: number };

/** Parses task options eagerly (R3) and resolves the concurrency: given, else the builder's, else 10. */
export function parseTaskOptions(options: TaskOptions): ParsedTaskOptions {
  const parsed = parseConfig('createTask', taskOptionsSchema, options);
  return { ...parsed, concurrency: parsed.concurrency ?? (options.builder as Builder<never>).concurrency ?? 10 };
}

