import { type MonoTypeOperatorFunction, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { type OutputFormat, outputFormats } from '../config/datastore-spec.ts';
import { parseConfig } from '../parse-config.ts';
import type { DataPoint, Fields, Outcome } from '../record.ts';
import { functionSchema, randomSchema, schedulerSchema } from '../schemas.ts';
import { remapFields } from '../store/remap-fields.ts';
import type { RecordSource } from '../store/sources/record-source.ts';
import type { TaskResult } from '../store/task-result.ts';
import type { CsvDialect } from '../store/targets/write-csv-file.ts';
import type { StopCriterion } from './stop-criteria.ts';
import type { GenerationInput } from './task-inputs.ts';
import type { TaskProgress } from './task-progress.ts';
import type { LogEntry } from '../store/task-files.ts';
import type { Settlement } from '../store/ledger.ts';

/**
 * A databuilder's pipeline, as a task runs it. The contract: every input ends in outcomes whose shares add up to
 * one, in any order: one outcome per input (the usual case), or several made with `fanOut`. A block that refuses a
 * record rejects it (the rejection is kept in `blocks/<block>.jsonl`); it never drops it, as RxJS `filter` would: a
 * task settles an input only once all its outcomes are in. A builder may carry the number of inputs it can serve at
 * once (its LM block's `call_limit`); a task keeps a quarter more than that in flight by default (rounded down).
 */
export type Builder<In> = OperatorFunction<Outcome<In>, Outcome<DataPoint>> & {
  readonly concurrency?: number;
  /**
   * DGT's postprocessors: blocks that need every record at once (a near-duplicate search over the whole set), run when
   * the task ends over all its records (this run's and earlier runs'). What they reject is left out of `final_data`
   * and the other outputs and listed in `postprocess_rejections.jsonl`; `data.jsonl` keeps every record.
   */
  readonly postprocess?: MonoTypeOperatorFunction<Outcome<DataPoint>>;
};

/** Gives a builder DGT's postprocessors (see {@link Builder}). */
export function withPostprocess<In>(builder: Builder<In>, postprocess: MonoTypeOperatorFunction<Outcome<DataPoint>>): Builder<In> {
  return Object.assign(builder, { postprocess });
}

/**
 * The issue code with which a generation builder says it can make nothing more (one pass over its documents done,
 * DGT's `loop_over: false`): the task issues no more inputs, lets those in flight settle, and completes (`input_done`).
 */
export const inputsExhausted = 'inputs_exhausted';

/**
 * The inputs a task keeps in flight for an LM block serving `callLimit` calls at once: a quarter more (rounded down),
 * so a few inputs, issued and their examples drawn, wait in the block's queue, and a call that ends is followed at once
 * by the next instead of by the issuing of a new input through the ledger, the plan and the example pool (through the
 * built CLI, 64 calls against a 50 ms endpoint: 0.92 of the bound over the task's span with 64 inputs in flight, 0.95
 * with 80). Calls in flight stay at `callLimit`. A stop criterion (`--max-gen-requests`, a failure rate, a budget) is
 * checked as inputs settle, so up to this many inputs may be past it when it fires; a target is exact. A seeded run's
 * draws depend on it (the example pool waits two rounds of it), so they differ from those of a version without it.
 *
 * ## Example
 * ```ts
 * inputsInFlightFor(64); // 80
 * inputsInFlightFor(10); // 12
 * inputsInFlightFor(1); // 1
 * ```
 */
export function inputsInFlightFor(callLimit: number): number {
  return callLimit + Math.floor(callLimit / 4);
}

/**
 * Gives a builder pipe the number of inputs it can serve at once (its LM block's `call_limit`, or a conversation
 * builder's conversations at once): a task keeps a quarter more than that in flight (rounded down) unless told
 * otherwise.
 */
export function withConcurrency<In>(builder: OperatorFunction<Outcome<In>, Outcome<DataPoint>>, concurrency: number): Builder<In> {
  return Object.assign(builder, { concurrency });
}

/** A file written from a task's records when it ends (DGT's `final_datastore`, a `multi_target` secondary). */
export interface TaskOutput {
  /**
   * The file: absolute, or relative to the task's folder (and then inside it). Never one of the task's own files
   * (`data.jsonl`, `data.sqlite`, `dataloader_state.jsonl`, `task_results.jsonl`, `task_card.jsonl`, `logs.jsonl`, the
   * lock files, anything under `blocks/`), nor another output's.
   */
  readonly path: string;
  readonly format: OutputFormat;
  /** Python `csv` dialect of a `csv` file. */
  readonly csv?: CsvDialect | undefined;
  /** Turns each record into the one written (a formatter). @default the record as it is */
  readonly transform?: ((record: DataPoint) => Fields) | undefined;
  /** A failure is logged and the task goes on (a `multi_target` secondary); otherwise it fails the task. @default false */
  readonly optional?: boolean | undefined;
}

interface CommonOptions {
  /** DGT's `task_name`: names the output folder and is stamped on every record. */
  readonly name: string;
  /** Output sub-path under `outputDir`, when it differs from the name (DGT's `store_name`). @default name */
  readonly storeName?: string;
  /** Parent of the task's folder (DGT's `output_dir`). @default process.env.DGT_OUTPUT_DIR ?? 'output' */
  readonly outputDir?: string;
  /** Most inputs in flight at once. @default a quarter more than the builder's `concurrency` (its LM block's `call_limit`), rounded down; else 10 */
  readonly concurrency?: number;
  /** Extra stop criteria; any one ends the task. @default [] */
  readonly stopWhen?: readonly StopCriterion[];
  /** Stop once LM call failures reach this share of attempts (after `failureRateAfter` attempts). @default 0.5 */
  readonly maxFailureRate?: number;
  /** @default 20 */
  readonly failureRateAfter?: number;
  /** Experiment id written to `task_results.jsonl` (DGT's `--build-id`). @default 'exp' */
  readonly buildId?: string;
  /** Start over instead of resuming from the task's folder (DGT's `--restart`). @default false */
  readonly restart?: boolean;
  /**
   * The run's seed (DGT's `--seed`, `runner_config.seed`): every random draw (in-context examples, machine-made
   * examples mixed in, the `simulated` engine's answers through its prompts) is a function of it and the input id,
   * so a rerun repeats them whatever the timing. @default a random seed per run, and draws that follow the timing
   */
  readonly seed?: number;
  /** Where the task keeps its records and bookkeeping: DGT's JSONL files, or one SQLite file (`data.sqlite`). @default 'jsonl' */
  readonly ledger?: 'jsonl' | 'sqlite';
  /** Files written from the records when the task ends, and on every later run. @default `final_data.jsonl` (`final_data.sqlite` with the `sqlite` ledger) */
  readonly outputs?: readonly TaskOutput[];
  /** DGT's dataloader `fields`: each input row remapped (`{"*": "*", "meta.lang": "language"}`), checked when the task is made. @default every field as it is */
  readonly fields?: Readonly<Record<string, string>>;
  /** What ran, for `task_card.jsonl`: the builder's name and the task and builder specs as loaded. */
  readonly card?: { readonly databuilder_name?: string; readonly task_spec?: unknown; readonly databuilder_spec?: unknown };
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
  /** Stop after this many inputs in a row without a new record (DGT's `max_stalled_attempts`). @default 100 */
  readonly maxStalledAttempts?: number;
  /** Start the seeds over once they are used (DGT's dataloader `loop_over`); without it the task ends with them. @default true */
  readonly loopOver?: boolean;
}

/**
 * A transformation task: one pass over its input records, as DGT's (whose dataloader `loop_over` only resets the
 * loader for a later read); a rerun resumes where the last one stopped.
 */
export interface TransformationTaskOptions extends CommonOptions {
  readonly kind: 'transformation';
  readonly builder: Builder<DataPoint>;
  /** The records to transform (DGT's `data`): a list, or a source read lazily (a datastore). */
  readonly data: readonly Fields[] | RecordSource;
}

export type TaskOptions = GenerationTaskOptions | TransformationTaskOptions;

/** Hooks a caller (the CLI) uses to watch a run. */
export interface RunHooks {
  /** The task took its folder and starts making inputs: its run id (kept across resumes of one build). */
  onStart?(start: { readonly runId: string }): void;
  /** One input settled and was committed: its records, its rejections and usage, and the progress after it. */
  onSettle?(settlement: Settlement, progress: TaskProgress): void;
  onProgress?(progress: TaskProgress): void;
  /** A line the task wrote to its `logs.jsonl`: a resume, a repair after a crash, a failed secondary output. */
  onLog?(entry: LogEntry): void;
  onEnd?(result: TaskResult, progress: TaskProgress): void;
}

const outputSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(outputFormats),
  csv: z.custom<CsvDialect>((value) => typeof value === 'object' && value !== null).optional(),
  transform: functionSchema<(record: DataPoint) => Fields>().optional(),
  optional: z.boolean().optional(),
});

const isRecordSource = (value: unknown): value is RecordSource => typeof (value as RecordSource | undefined)?.rows === 'function';

const commonShape = {
  name: z.string().min(1),
  storeName: z.string().min(1).optional(),
  outputDir: z.string().min(1).default(() => process.env['DGT_OUTPUT_DIR'] ?? 'output'),
  concurrency: z.number().int().min(1).optional(),
  stopWhen: z.array(z.custom<StopCriterion>((value) => typeof value === 'function')).default([]),
  maxFailureRate: z.number().gt(0).max(1).default(0.5),
  failureRateAfter: z.number().int().min(1).default(20),
  buildId: z.string().min(1).default('exp'),
  restart: z.boolean().default(false),
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  ledger: z.enum(['jsonl', 'sqlite']).default('jsonl'),
  outputs: z.array(outputSchema).optional(),
  fields: z
    .record(z.string().min(1), z.string().min(1))
    .superRefine((fields, context) => {
      const problem = fieldsProblem(fields);
      if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  card: z.object({ databuilder_name: z.string().optional(), task_spec: z.unknown(), databuilder_spec: z.unknown() }).optional(),
  scheduler: schedulerSchema,
  random: randomSchema,
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
    maxStalledAttempts: z.number().int().min(1).default(100),
    loopOver: z.boolean().default(true),
  }),
  z.object({
    ...commonShape,
    kind: z.literal('transformation'),
    data: z.union([z.array(z.record(z.string(), z.unknown())), z.custom<RecordSource>(isRecordSource, 'expected a list of records or a record source')]),
  }),
]);

type Parsed = z.output<typeof taskOptionsSchema>;
/** Task options after parsing, with the concurrency and the outputs resolved. */
export type ParsedTaskOptions = Parsed & { readonly concurrency: number; readonly outputs: readonly TaskOutput[] };

/** Parses task options eagerly (R3), resolving the concurrency (given, else `inputsInFlightFor` the builder's, else 10) and the default output. */
export function parseTaskOptions(options: TaskOptions): ParsedTaskOptions {
  const parsed = parseConfig('createTask', taskOptionsSchema, options);
  const format = parsed.ledger === 'sqlite' ? 'sqlite' : 'jsonl';
  const served = (options.builder as Builder<never>).concurrency;
  return {
    ...parsed,
    concurrency: parsed.concurrency ?? (served === undefined ? 10 : inputsInFlightFor(served)),
    outputs: parsed.outputs ?? [{ path: `final_data.${format}`, format }],
  };
}

/**
 * Why a dataloader `fields` map cannot be used (a malformed path, a source that appends, `"*"` mapped to anything but
 * `"*"`), or undefined when it can. A task checks its map when it is made, before a `--restart` deletes anything.
 *
 * ## Example
 * ```ts
 * fieldsProblem({ '*': '*', 'meta.lang': 'language' }); // undefined
 * fieldsProblem({ '*': 'nonsense' }); // '`*` keeps every field and must map to `*`, received "nonsense"'
 * ```
 */
export function fieldsProblem(fields: Readonly<Record<string, string>>): string | undefined {
  try {
    remapFields(fields);
    return undefined;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return error.message.replace(/^fields: /, '');
  }
}
