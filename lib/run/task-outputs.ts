import { join, relative, resolve } from 'node:path';
import type { DatastoreConfig, OutputFormat, StoreConfig } from '../config/datastore-spec.ts';
import type { TaskSpec } from '../config/task-spec.ts';
import { ConfigError } from '../errors/config-error.ts';
import { taskFolder } from '../store/task-folder.ts';
import { createFormatter } from './formatter.ts';
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

/**
 * The files a task writes from its records when it ends, from DGT's datastore settings: `final_data.<format>` where
 * `final_datastore` (else `datastore`) says, a copy for each `additional` store of a `multi_target` (optional: a
 * failure is logged), and `formatted_data.<format>` through the `formatter` when `save_formatted_output` is on. Each
 * store's folder is `<its output_dir or the task's>/<its store_name or the task's>`, checked to lie inside that
 * output folder; no output may overwrite the ledger's own files.
 *
 * @throws {ConfigError} naming the task file and the field of a folder outside its output folder, a missing
 *   formatter, or an output that would overwrite the task's data
 */
export function taskOutputs(spec: TaskSpec, place: TaskPlace): TaskOutput[] {
  const field = (name: string): string => (place.fieldPrefix ? `${place.fieldPrefix}.${name}` : name);
  const taskDir = resolve(place.outputDir, place.storeName);
  const outputs: TaskOutput[] = [];
  const add = (name: 'final_data' | 'formatted_data', store: StoreConfig, where: string, extra: Partial<TaskOutput> = {}): void => {
    const dir = storeFolder(store, place, field(where), field(place.storeNameField ?? 'task_name'));
    const format = formatOf(store);
    outputs.push({ path: join(dir, `${name}.${format}`), format, ...csvOf(store), ...extra });
  };
  const primaryOf = (config: DatastoreConfig | undefined): StoreConfig => (config?.type === 'multi_target' ? config.primary : (config ?? { type: 'default' }));
  const final = spec.final_datastore ?? spec.datastore;
  add('final_data', primaryOf(final), spec.final_datastore ? 'final_datastore' : 'datastore');
  if (final?.type === 'multi_target') {
    final.additional.forEach((store, index) => add('final_data', store, `${spec.final_datastore ? 'final_datastore' : 'datastore'}.additional.${index}`, { optional: true }));
  }
  if (spec.runner_config?.save_formatted_output) {
    if (!spec.formatter) throw new ConfigError('`save_formatted_output` needs a `formatter` (formatters/native or formatters/template)', { file: place.file, field: field('runner_config.save_formatted_output') });
    const formatted = spec.formatted_datastore ?? spec.datastore;
    add('formatted_data', primaryOf(formatted), spec.formatted_datastore ? 'formatted_datastore' : 'datastore', { transform: createFormatter(spec.formatter) });
  }
  // An output written over the ledger's own files would destroy the task's data.
  const ledgerFiles = new Set(['data.jsonl', 'data.sqlite', 'dataloader_state.jsonl', 'task_results.jsonl', 'task_card.jsonl', 'logs.jsonl']);
  const seen = new Set<string>();
  for (const output of outputs) {
    const inTask = relative(taskDir, output.path);
    if (ledgerFiles.has(inTask) || seen.has(output.path)) {
      throw new ConfigError(`two stores would write ${output.path}: give the additional store another \`output_dir\`, \`store_name\` or \`output_data_format\``, {
        file: place.file,
        field: field(spec.final_datastore ? 'final_datastore' : 'datastore'),
      });
    }
    seen.add(output.path);
  }
  return outputs;
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
