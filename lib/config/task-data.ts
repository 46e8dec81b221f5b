import type { DataPoint } from '../record.ts';
import { type RecordSource, openRecordSource } from '../store/sources/record-source.ts';
import type { TaskSpec } from './task-spec.ts';

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

/**
 * Seeds of a generation task: inline `seed_examples`, then the records of `seed_datastore` (its inline `data`, then
 * what `data_path` names). Seeds are few and a task loops over them, so they are read into memory.
 */
export async function loadSeeds(spec: TaskSpec, context: TaskDataContext): Promise<DataRecord[] | undefined> {
  const store = spec.seed_datastore;
  if (spec.seed_examples === undefined && store?.data_path === undefined && store?.data === undefined) return undefined;
  const seeds: DataRecord[] = [...(spec.seed_examples ?? [])];
  if (store) {
    const source = await openRecordSource(store, { baseDir: context.cwd, file: context.file, field: field('seed_datastore', context) });
    for await (const { record } of source.rows()) seeds.push(record as DataRecord);
  }
  return seeds;
}

/**
 * Input of a transformation task: the inline `data` list, or its datastore, opened now (so a bad path fails before
 * the run) and read lazily while the task runs.
 */
export async function openTransformData(spec: TaskSpec, context: TaskDataContext): Promise<readonly DataPoint[] | readonly DataRecord[] | RecordSource | undefined> {
  if (spec.data === undefined || Array.isArray(spec.data)) return spec.data;
  return openRecordSource(spec.data, { baseDir: context.cwd, file: context.file, field: field('data', context) });
}

function field(name: string, context: TaskDataContext): string {
  return context.fieldPrefix ? `${context.fieldPrefix}.${name}` : name;
}
