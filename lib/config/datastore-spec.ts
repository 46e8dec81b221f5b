import { z } from 'zod';

const record = z.record(z.string(), z.unknown());

/** Formats a task's output files are written in (`output_data_format`): DGT's `jsonl` and `parquet`, plus `csv` and `sqlite`. */
export const outputFormats = ['jsonl', 'parquet', 'csv', 'sqlite'] as const;
export type OutputFormat = (typeof outputFormats)[number];

/**
 * Python `csv` dialect options of a `.csv` data file, with DGT's defaults (`utils.read_csv`). rxdgt reads the first
 * row as the header unless `has_header: false` (DGT's own datastore reads no CSV at all; its helper's `False` would
 * give lists, which are not records): without one, columns are named by position, `"0"`, `"1"`, ...
 */
export const csvOptionsShape = {
  has_header: z.boolean().optional(),
  delimiter: z.string().length(1, 'expected one character').optional(),
  quotechar: z.string().length(1, 'expected one character').optional(),
  /** Accepted for DGT files; like Python's reader, rxdgt ends rows at `\n`, `\r\n` or `\r` whatever it says. */
  lineterminator: z.string().min(1).optional(),
  skipinitialspace: z.boolean().optional(),
};

/** Keys every datastore takes (DGT passes them down to each store of a `multi_target`). */
const commonShape = {
  /** Parent folder of the store (DGT's `output_dir`; a task's own `runner_config.output_dir` wins for its stores). */
  output_dir: z.string().min(1).optional(),
  /** Sub-path of the store under `output_dir`; a task's folder is `<output_dir>/<store_name or task_name>`. */
  store_name: z.string().min(1).optional(),
  /** Start the task over (DGT's datastore `restart`; like `runner_config.restart_generation`). */
  restart: z.boolean().optional(),
};

/** DGT's `default` datastore: local files. Reads `data_path` (or inline `data`); writes `output_data_format` files. */
export const defaultDatastoreSchema = z.strictObject({
  type: z.literal('default').default('default'),
  ...commonShape,
  /** File, folder (a HuggingFace `save_to_disk` dataset) or glob to read (`${DGT_DATA_DIR}/…`); globs are read in sorted path order. */
  data_path: z.string().min(1).optional(),
  /** Inline records, read before `data_path`. */
  data: z.array(record).optional(),
  /** Extensions kept when `data_path` is a glob: `['.jsonl']` or `['jsonl']`. */
  data_formats: z.array(z.string().min(1)).optional(),
  /** Split of a HuggingFace dataset folder. @default 'train' */
  data_split: z.string().min(1).optional(),
  /** Rows per batch when reading Parquet (DGT's lazy-load buffer). @default 1000 */
  buffer_size: z.int().min(1).optional(),
  /** Format of the files written. @default 'jsonl' */
  output_data_format: z.enum(outputFormats).optional(),
  ...csvOptionsShape,
});

/** rxdgt's SQLite datastore: the task's records and bookkeeping in `<task folder>/data.sqlite` (WAL), one transaction per commit. */
export const sqliteDatastoreSchema = z.strictObject({
  type: z.literal('sqlite'),
  ...commonShape,
});

/** One store: a `default` (file) or `sqlite` store. */
export const storeConfigSchema = z.discriminatedUnion('type', [defaultDatastoreSchema, sqliteDatastoreSchema]);

/** DGT's `multi_target`: everything goes to `primary` (which a resume reads); each of `additional` gets a copy, and its failures are logged, never fatal. */
export const multiTargetDatastoreSchema = z.strictObject({
  type: z.literal('multi_target'),
  ...commonShape,
  primary: storeConfigSchema,
  additional: z.array(storeConfigSchema).default([]),
});

const knownTypes = ['default', 'sqlite', 'multi_target'];

/** A task's `datastore`, `final_datastore` or `formatted_datastore`. An unknown `type` names the known ones. */
export const datastoreConfigSchema = z.preprocess(
  // DGT fills `type: default` when it is left out.
  (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) && !('type' in value) ? { ...value, type: 'default' } : value),
  z.discriminatedUnion('type', [defaultDatastoreSchema, sqliteDatastoreSchema, multiTargetDatastoreSchema], {
    error: (issue) =>
      issue.code === 'invalid_union' ? `unknown datastore type \`${String((issue.input as { type?: unknown })?.type)}\` (known: ${knownTypes.join(', ')})` : undefined,
  }),
);

/** A datastore config after parsing (`type` filled in). */
export type DatastoreConfig = z.output<typeof datastoreConfigSchema>;
export type DefaultDatastoreConfig = z.output<typeof defaultDatastoreSchema>;
export type StoreConfig = z.output<typeof storeConfigSchema>;

/** A store data is read from (`seed_datastore`, a transformation's `data`): a `default` store. */
export const sourceDatastoreSchema = defaultDatastoreSchema;

/**
 * DGT's dataloaders. `default` streams a datastore's rows, remapping each with `fields` (`{"*": "*"}` keeps every
 * field; `{"a.b": "c"}` copies a nested value to `c`; keys other than `*` alone select) and looping when
 * `loop_over`; `simple` walks the list of records by index.
 */
export const dataloaderConfigSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('default'),
    fields: z.record(z.string().min(1), z.string().min(1)).optional(),
    loop_over: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('simple'),
    loop_over: z.boolean().optional(),
  }),
]);
export type DataloaderConfig = z.output<typeof dataloaderConfigSchema>;
