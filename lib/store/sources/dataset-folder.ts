import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isPlainObject } from '../../config/plain-object.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { readArrowStreamRecords } from './arrow-stream-reader.ts';
import type { SourceEntry } from './source-entry.ts';

/** Where a dataset folder is named, for errors: the task file and the datastore's fields. */
export interface DatasetFolderWhere {
  readonly file?: string | undefined;
  /** Field of the folder's path (`seed_datastore.data_path`). */
  readonly pathField?: string | undefined;
  /** Field of the split (`seed_datastore.data_split`). */
  readonly splitField?: string | undefined;
}

/**
 * Opens a folder written by HuggingFace `datasets`' `save_to_disk`: a DatasetDict (`dataset_dict.json` listing its
 * `splits`, one sub-folder per split) or a single Dataset (`state.json` listing its `_data_files`, beside
 * `dataset_info.json`). Picks the split `split` (default `train`) and checks its Arrow files exist; the entry
 * streams them with {@link readArrowStreamRecords}. The entry's path is the split's folder.
 *
 * ## Example
 * ```ts
 * const entry = await openDatasetFolder('/data/my_dataset', 'test', { file: 'task.yaml', splitField: 'seed_datastore.data_split' });
 * for await (const record of entry.read(0)) console.log(record);
 * ```
 *
 * @throws {ConfigError} for an unknown split (naming the known ones), a folder that is neither layout, or a
 *   malformed or incomplete one
 */
export async function openDatasetFolder(folder: string, split: string | undefined, where: DatasetFolderWhere): Promise<SourceEntry> {
  const splitField = where.splitField;
  const dictionary = await readJsonFile(join(folder, 'dataset_dict.json'));
  if (dictionary !== undefined) {
    const splits = isPlainObject(dictionary) ? dictionary['splits'] : undefined;
    if (!Array.isArray(splits) || !splits.every((name) => typeof name === 'string')) {
      throw new ConfigError('expected `splits`, a list of split names', { file: join(folder, 'dataset_dict.json') });
    }
    const wanted = split ?? 'train';
    if (!splits.includes(wanted)) {
      throw new ConfigError(`unknown split \`${wanted}\` of the dataset \`${folder}\` (known: ${splits.join(', ')})`, { file: where.file, field: splitField });
    }
    return openDataset(join(folder, wanted));
  }
  const state = await readJsonFile(join(folder, 'state.json'));
  if (state === undefined) {
    throw new ConfigError(
      `\`${folder}\` is a folder but not a HuggingFace dataset saved with \`save_to_disk\`: expected \`dataset_dict.json\` (a DatasetDict) or \`state.json\` (a Dataset) in it; give a data file or a glob otherwise`,
      { file: where.file, field: where.pathField },
    );
  }
  const own = isPlainObject(state) ? state['_split'] : undefined;
  if (split !== undefined && typeof own === 'string' && own !== split) {
    throw new ConfigError(`unknown split \`${split}\` of the dataset \`${folder}\` (known: ${own})`, { file: where.file, field: splitField });
  }
  return openDataset(folder, state);
}

/** One Dataset folder: its `state.json` names the Arrow files, read in the listed order. */
async function openDataset(folder: string, knownState?: unknown): Promise<SourceEntry> {
  const statePath = join(folder, 'state.json');
  const state = knownState ?? (await readJsonFile(statePath));
  if (state === undefined) throw new ConfigError('file not found: each split folder of a DatasetDict holds a `state.json`', { file: statePath });
  const dataFiles = isPlainObject(state) ? state['_data_files'] : undefined;
  if (!Array.isArray(dataFiles) || !dataFiles.every((entry) => isPlainObject(entry) && typeof entry['filename'] === 'string')) {
    throw new ConfigError('expected `_data_files`, a list of `{filename}`', { file: statePath });
  }
  const indices = (state as Record<string, unknown>)['_indices_data_files'];
  if (Array.isArray(indices) && indices.length > 0) {
    throw new ConfigError('datasets saved with an indices mapping are not supported; save the dataset again with a recent `datasets`', { file: statePath });
  }
  const files: string[] = [];
  for (const { filename } of dataFiles as { filename: string }[]) {
    if (basename(filename) !== filename || filename === '.' || filename === '..') throw new ConfigError(`\`_data_files\`: \`${filename}\` is not a file name in the folder`, { file: statePath });
    const path = join(folder, filename);
    if (!(await isFile(path))) throw new ConfigError(`\`_data_files\` names \`${filename}\`, which is missing`, { file: statePath });
    files.push(path);
  }
  // apache-arrow loads with the first Arrow file read, not with every run.
  return {
    path: folder,
    read: async function* (skip) {
      return yield* (await import('./arrow-stream-reader.ts')).readArrowStreamRecords(files, skip);
    },
  };
}

/** The parsed JSON of `path`, or undefined when there is no such file. */
async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ConfigError(`cannot read file (${code ?? 'unknown error'})`, { file: path, cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`invalid JSON: ${(error as Error).message}`, { file: path, cause: error });
  }
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
