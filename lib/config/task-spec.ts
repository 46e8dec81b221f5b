import { z } from 'zod';

const record = z.record(z.string(), z.unknown());

/** DGT's `default` datastore: local files, read from `data_path`, written as JSONL under `output_dir`. */
export const datastoreConfigSchema = z.strictObject({
  type: z.literal('default').default('default'),
  /** File or glob to read (`${DGT_DATA_DIR}/…`); `**` globs are concatenated in sorted path order. */
  data_path: z.string().optional(),
  /** Extensions kept when `data_path` is a glob, e.g. `['.jsonl']`. */
  data_formats: z.array(z.string()).optional(),
  output_data_format: z.literal('jsonl').optional(),
  output_dir: z.string().optional(),
  store_name: z.string().optional(),
  restart: z.boolean().optional(),
});

/** A datastore config after parsing (`type` filled in). */
export type DatastoreConfig = z.output<typeof datastoreConfigSchema>;

/** Per-task run settings (DGT's `TaskRunnerConfig`); CLI flags override them. Defaults are applied by the runner. */
export const runnerConfigSchema = z.strictObject({
  output_dir: z.string().optional(),
  num_outputs_to_generate: z.int().min(1).optional(),
  seed_batch_size: z.int().min(1).optional(),
  machine_batch_size: z.int().min(0).optional(),
  restart_generation: z.boolean().optional(),
  transform_batch_size: z.int().min(1).optional(),
  save_formatted_output: z.boolean().optional(),
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
  seed_datastore: datastoreConfigSchema.optional(),
  /** Input of a transformation task: inline records or a datastore to read. */
  data: z.union([z.array(record), datastoreConfigSchema]).optional(),
  runner_config: runnerConfigSchema.optional(),
  /** Base config of the task's output stores. */
  datastore: datastoreConfigSchema.optional(),
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
