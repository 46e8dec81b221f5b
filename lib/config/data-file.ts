import { extname } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { DatastoreError } from '../errors/datastore-error.ts';
import { openDataFile } from '../store/sources/open-data-file.ts';
import { resolveDataPath } from '../store/sources/resolve-data-path.ts';
import type { EntryReader } from '../store/sources/source-entry.ts';

/** Where a data path comes from and how to resolve it. */
export interface ReadDataFileOptions {
  /** Directory relative patterns resolve against. */
  readonly baseDir: string;
  /** Tried when nothing matches under `baseDir`. */
  readonly fallbackDir?: string | undefined;
  /** File that names the pattern (a task file), for error messages. */
  readonly file?: string | undefined;
  /** Dotted field that holds the pattern (`seed_datastore.data_path`), for error messages. */
  readonly field?: string | undefined;
  /** Keep only glob matches ending in one of these (DGT's `data_formats`: `.jsonl` or `jsonl`). */
  readonly formats?: readonly string[] | undefined;
}

const recordFormats = ['.jsonl', '.json', '.yaml', '.yml', '.csv'];
const textFormats = ['.txt', '.md'];

/**
 * Reads the data file(s) a path or glob names, whole, while a config is loaded (`include:`, seeds). `.jsonl`,
 * `.json`, `.yaml`/`.yml` and `.csv` give records (a single JSON or YAML object gives one record; CSV with a header
 * row and Python's default dialect); `.txt` and `.md` give the whole text. Glob matches are read in sorted path
 * order and their records concatenated. The parsing is the record sources' (`lib/store/sources/`), which also
 * stream Parquet and HuggingFace datasets for a run.
 *
 * ## Example
 * ```ts
 * await readDataFile('seeds/*.jsonl', { baseDir: '/work' }); // [{ q: 'a' }, { q: 'b' }]
 * ```
 *
 * @throws {ConfigError} when nothing matches (naming `file` and `field`), the path is a folder or has another
 *   extension, or a file is malformed (naming the data file and the line)
 */
export async function readDataFile(pattern: string, options: ReadDataFileOptions): Promise<Record<string, unknown>[] | string> {
  const where = { file: options.file, field: options.field };
  const resolved = await resolveDataPath(pattern, options);
  if (resolved.kind === 'folder') {
    throw new ConfigError(`\`${resolved.path}\` is a directory; give a data file or a glob (HuggingFace dataset directories are read by datastores only)`, where);
  }
  const entries = await Promise.all(resolved.paths.map((path) => openDataFile(path, { ...where, formats: [...recordFormats, ...textFormats] })));
  const contents = await Promise.all(entries.map(({ path, read }) => (textFormats.includes(extname(path!).toLowerCase()) ? textOf(read) : recordsOf(read))));
  const texts = contents.filter((content) => typeof content === 'string');
  if (texts.length === 0) return (contents as Record<string, unknown>[][]).flat();
  if (contents.length === 1) return texts[0]!;
  throw new ConfigError(`\`${pattern}\` matches ${contents.length} files including text files; a text file must be matched on its own`, where);
}

async function recordsOf(read: EntryReader): Promise<Record<string, unknown>[]> {
  const records: Record<string, unknown>[] = [];
  try {
    for await (const record of read(0)) records.push(record);
  } catch (error) {
    throw asConfigError(error);
  }
  return records;
}

async function textOf(read: EntryReader): Promise<string> {
  const [record] = await recordsOf(read);
  return record!['text'] as string;
}

// Reading a config is not a run: a file that cannot be read is bad input.
function asConfigError(error: unknown): unknown {
  if (!DatastoreError.isInstance(error)) return error;
  const code = error.code;
  const message = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, expected a file' : `cannot read file (${code ?? 'unknown error'})`;
  return new ConfigError(message, { file: error.path, cause: error.cause });
}
