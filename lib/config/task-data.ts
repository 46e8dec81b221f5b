import { ConfigError } from '../errors/config-error.ts';
import { readDataFile } from './data-file.ts';
import type { DatastoreConfig, TaskSpec } from './task-spec.ts';

type DataRecord = Record<string, unknown>;

/** Where a task came from, for resolving data paths and naming errors. */
export interface TaskDataContext {
  /** File the task is defined in. */
  readonly file: string;
  /** Directory relative `data_path`s resolve against (DGT reads them relative to the working directory). */
  readonly cwd: string;
  /** Prefix of field paths inside `file` (`tasks.my_task` for a joint-config task). */
  readonly fieldPrefix?: string | undefined;
}

/** Seeds of a generation task: inline `seed_examples`, then the records at `seed_datastore.data_path`. */
export async function loadSeeds(spec: TaskSpec, context: TaskDataContext): Promise<DataRecord[] | undefined> {
  const store = spec.seed_datastore;
  if (spec.seed_examples === undefined && store?.data_path === undefined) return undefined;
  const fromStore = store?.data_path === undefined ? [] : await readRecords(store, 'seed_datastore.data_path', context);
  return [...(spec.seed_examples ?? []), ...fromStore];
}

/** Input of a transformation task: the inline `data` list, or the records its datastore's `data_path` names. */
export async function loadTransformData(spec: TaskSpec, context: TaskDataContext): Promise<DataRecord[] | undefined> {
  if (spec.data === undefined || Array.isArray(spec.data)) return spec.data;
  if (spec.data.data_path === undefined) {
    throw new ConfigError('missing required field: a `data` datastore needs `data_path`', { file: context.file, field: field('data.data_path', context) });
  }
  return readRecords(spec.data, 'data.data_path', context);
}

async function readRecords(store: DatastoreConfig, name: string, context: TaskDataContext): Promise<DataRecord[]> {
  const content = await readDataFile(store.data_path!, { baseDir: context.cwd, file: context.file, field: field(name, context), formats: store.data_formats });
  if (typeof content === 'string') {
    throw new ConfigError('expected records (.jsonl, .json, .yaml, .csv) but the path names a text file', { file: context.file, field: field(name, context) });
  }
  return content;
}

function field(name: string, context: TaskDataContext): string {
  return context.fieldPrefix ? `${context.fieldPrefix}.${name}` : name;
}
