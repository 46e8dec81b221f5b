import { join, resolve } from 'node:path';
import type { DatastoreConfig, OutputFormat, StoreConfig } from '../config/datastore-spec.ts';
import type { TaskSpec } from '../config/task-spec.ts';
import { ConfigError } from '../errors/config-error.ts';
import { taskFolder } from '../store/task-folder.ts';
import { createFormatter } from './formatter.ts';
import { checkOutputPaths } from './output-paths.ts';
import type { TaskOutput } from './task-options.ts';

/** Where a task's files go, as its spec and the run's settings say. */
export interface TaskPlace {
  /** The output folder of the task (`--output-dir`, `runner_config.output_dir`, ...). */
  readonly outputDir: string;
  /** The task's sub-path (`store_name`, else `task_name`). */
  readonly storeName: string;
  /** The field `storeName` comes from, for errors (`store_name`, `datastore.store_name`). @default 'task_name' */
  readonly storeNameField?: string | undefined;
  /** The task file, for errors. */
  readonly file: string | undefined;
  readonly fieldPrefix?: string | undefined;
}

/** The ledger a task's `datastore` asks for: `sqlite` for a SQLite store (or a `multi_target` whose primary is one). */
export function ledgerKindOf(datastore: DatastoreConfig | undefined): 'jsonl' | 'sqlite' {
  const store = datastore?.type === 'multi_target' ? datastore.primary : datastore;
  return store?.type === 'sqlite' ? 'sqlite' : 'jsonl';
}

/** An output of a task file, with the field that places it, for errors. */
export interface PlacedOutput {
  /** Its `path` is absolute. */
  readonly output: TaskOutput;
  /** The datastore field the output's place comes from: `final_datastore.store_name`, `datastore.output_dir`, `datastore.additional.0`. */
  readonly field: string;
}

/**
 * The files a task writes from its records when it ends, from DGT's datastore settings: `final_data.<format>` where
 * `final_datastore` (else `datastore`) says, a copy for each `additional` store of a `multi_target` (optional: a
 * failure is logged), and `formatted_data.<format>` through the `formatter` when `save_formatted_output` is on. Each
 * store's folder is `<its output_dir or the task's>/<its store_name or the task's>`, checked to lie inside that
 * output folder; no output may land on the task's own files (`data.jsonl`, `blocks/`, ...) or on another output.
 *
 * ## Example
 * ```ts
 * taskOutputs(spec, { outputDir: 'out', storeName: 'geo', file: 'task.yaml' });
 * // [{ output: { path: '/abs/out/geo/final_data.jsonl', format: 'jsonl' }, field: 'datastore' }]
 * ```
 *
 * @throws {ConfigError} naming the task file and the field of a folder outside its output folder, a missing
 *   formatter, or an output that would overwrite the task's own files or another output
 */
export function taskOutputs(spec: TaskSpec, place: TaskPlace): PlacedOutput[] {
  const field = (name: string): string => (place.fieldPrefix ? `${place.fieldPrefix}.${name}` : name);
  const placed: PlacedOutput[] = [];
  const add = (name: 'final_data' | 'formatted_data', store: StoreConfig, where: string, extra: Partial<TaskOutput> = {}): void => {
    const dir = storeFolder(store, place, field(where), field(place.storeNameField ?? 'task_name'));
    const format = formatOf(store);
    // The store's setting that moved the file, else the store itself.
    const placedBy = store.store_name !== undefined ? `${where}.store_name` : store.output_dir !== undefined ? `${where}.output_dir` : where;
    placed.push({ output: { path: join(dir, `${name}.${format}`), format, ...csvOf(store), ...extra }, field: field(placedBy) });
  };
  const primaryOf = (config: DatastoreConfig | undefined): StoreConfig => (config?.type === 'multi_target' ? config.primary : (config ?? { type: 'default' }));
  const final = spec.final_datastore ?? spec.datastore;
  const finalField = spec.final_datastore ? 'final_datastore' : 'datastore';
  add('final_data', primaryOf(final), final?.type === 'multi_target' ? `${finalField}.primary` : finalField);
  if (final?.type === 'multi_target') {
    final.additional.forEach((store, index) => add('final_data', store, `${finalField}.additional.${index}`, { optional: true }));
  }
  if (spec.runner_config?.save_formatted_output) {
    if (!spec.formatter) throw new ConfigError('`save_formatted_output` needs a `formatter` (e.g. `formatter: { type: formatters/conversation/messages }`)', { file: place.file, field: field('runner_config.save_formatted_output') });
    const formatted = spec.formatted_datastore ?? spec.datastore;
    const formattedField = spec.formatted_datastore ? 'formatted_datastore' : 'datastore';
    add('formatted_data', primaryOf(formatted), formatted?.type === 'multi_target' ? `${formattedField}.primary` : formattedField, { transform: createFormatter(spec.formatter) });
  }
  const taskDir = resolve(place.outputDir, place.storeName);
  checkOutputPaths(
    placed.map(({ output }) => output),
    taskDir,
    { fieldOf: (index) => placed[index]!.field, file: place.file },
  );
  return placed;
}

function formatOf(store: StoreConfig): OutputFormat {
  return store.type === 'sqlite' ? 'sqlite' : (store.output_data_format ?? 'jsonl');
}

function csvOf(store: StoreConfig): Partial<TaskOutput> {
  if (store.type !== 'default' || (store.delimiter ?? store.quotechar ?? store.lineterminator) === undefined) return {};
  return { csv: { delimiter: store.delimiter, quotechar: store.quotechar, lineterminator: store.lineterminator } };
}

function storeFolder(store: StoreConfig, place: TaskPlace, field: string, storeNameField: string): string {
  try {
    return taskFolder(store.output_dir ?? place.outputDir, store.store_name ?? place.storeName, store.store_name ? `${field}.store_name` : storeNameField);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(error.message, { file: place.file, field: error.field, cause: error });
  }
}
