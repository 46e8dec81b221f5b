import { z } from 'zod';
import { parseFieldPath } from '../text/field-path.ts';
import { dataloaderConfigSchema, datastoreConfigSchema, sourceDatastoreSchema } from './datastore-spec.ts';
import { type FormatterConfig, formatterConfigSchema } from '../formatters/formatter-config.ts';

const record = z.record(z.string(), z.unknown());

export type { DatastoreConfig } from './datastore-spec.ts';

/** DGT's formatters (`formatters/native`, `formatters/conversation/messages`, ...): see `lib/formatters/`. */
export { formatterConfigSchema, type FormatterConfig };

/** A record field path in DGT's syntax (`judge_score`, `scores.overall`), checked when the file is read. */
const fieldPathSchema = z.string().superRefine((path, context) => {
  try {
    parseFieldPath(path);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

/** Per-task run settings (DGT's `TaskRunnerConfig`); CLI flags override them. Defaults are applied by the runner. */
export const runnerConfigSchema = z.strictObject({
  output_dir: z.string().optional(),
  num_outputs_to_generate: z.int().min(1).optional(),
  seed_batch_size: z.int().min(1).optional(),
  machine_batch_size: z.int().min(0).optional(),
  restart_generation: z.boolean().optional(),
  transform_batch_size: z.int().min(1).optional(),
  save_formatted_output: z.boolean().optional(),
  /** The run's seed: every random draw is a function of it and the input, so a rerun repeats them. */
  seed: z.int().min(0).max(2 ** 32 - 1).optional(),
  /** Stops the task (`low_quality`) when, of its last `window` inputs, the share that made a record falls below `rate`. */
  min_acceptance_rate: z
    .strictObject({ rate: z.number().gt(0).max(1), window: z.int().min(1).optional(), after: z.int().min(1).optional() })
    .optional(),
  /** Stops the task (`low_quality`) when the mean of `field` (a judge's score) over its last `window` records falls below `score`. */
  min_mean_score: z
    .strictObject({ field: fieldPathSchema, score: z.number(), window: z.int().min(1).optional(), after: z.int().min(1).optional() })
    .optional(),
});

/** A task's `runner_config` after parsing. */
export type RunnerConfig = z.output<typeof runnerConfigSchema>;

const taskSpecShape = {
  /** Unique task id; may contain `/` (`public/examples/geography_qa`). */
  task_name: z.string().min(1),
  task_description: z.string(),
  /** DGT fills in `''` when a task file leaves it out. */
  created_by: z.string().default(''),
  /** Name of the builder that runs this task. */
  data_builder: z.string().min(1),
  /** Inline seeds for a generation task. */
  seed_examples: z.array(record).optional(),
  /** Seeds read from files; concatenated after `seed_examples`. */
  seed_datastore: sourceDatastoreSchema.optional(),
  /** Input of a transformation task: inline records or a datastore to read. */
  data: z.union([z.array(record), sourceDatastoreSchema]).optional(),
  /** How `seed_datastore` or `data` is walked: DGT's `default` (with `fields`, `loop_over`) or `simple` loader. */
  dataloader: z.preprocess(
    (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) && !('type' in value) ? { ...value, type: 'default' } : value),
    dataloaderConfigSchema,
  ).optional(),
  runner_config: runnerConfigSchema.optional(),
  /** Base config of the task's output stores. */
  datastore: datastoreConfigSchema.optional(),
  /** Where `final_data` goes (DGT): by default the `datastore`'s place and format. */
  final_datastore: datastoreConfigSchema.optional(),
  /** Where `formatted_data` goes (with `runner_config.save_formatted_output` and a `formatter`). */
  formatted_datastore: datastoreConfigSchema.optional(),
  /** Turns each final record into a training example for `formatted_data`. */
  formatter: formatterConfigSchema.optional(),
  /** Output sub-path; defaults to the task name. */
  store_name: z.string().optional(),
  metadata: record.optional(),
};

/** A DGT task file after `include` and joint-config overrides; unknown keys are errors. */
export const taskSpecSchema = z.strictObject(taskSpecShape);

/** A validated task (`created_by` and datastore `type` filled in). */
export type TaskSpec = z.output<typeof taskSpecSchema>;

/**
 * The task schema plus the fields one builder adds (DGT's Task subclass kwargs such as `max_turns`). Still strict.
 *
 * @param extra zod shape of the added fields; a key that is also a base field replaces it
 */
export function taskSpecSchemaWith<Extra extends z.ZodRawShape>(extra: Extra) {
  return taskSpecSchema.extend(extra);
}
