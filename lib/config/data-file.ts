import { stat } from 'node:fs/promises';
import { extname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { parseCsv } from './csv.ts';
import { globFiles, hasGlobMagic } from './glob.ts';
import { parseJson, parseJsonLines, toRecords } from './record-parsers.ts';
import { parseYamlText, readTextFile } from './yaml-file.ts';

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
  /** Keep only glob matches ending in one of these (DGT's `data_formats`, e.g. `.jsonl`). */
  readonly formats?: readonly string[] | undefined;
}

const recordFormats = new Set(['.jsonl', '.json', '.yaml', '.yml', '.csv']);
const textFormats = new Set(['.txt', '.md']);

/**
 * Reads the data file(s) a path or glob names. `.jsonl`, `.json`, `.yaml`/`.yml` and `.csv` give records (a single
 * JSON or YAML object gives one record); `.txt` and `.md` give the whole text. Glob matches are read in sorted path
 * order and their records concatenated.
 *
 * @throws {ConfigError} when nothing matches (naming `file` and `field`), or a file is malformed (naming the data
 *   file and the line)
 */
export async function readDataFile(pattern: string, options: ReadDataFileOptions): Promise<Record<string, unknown>[] | string> {
  const paths = await matchDataFiles(pattern, options);
  const contents = await Promise.all(paths.map((path) => readOne(path, options)));
  const texts = contents.filter((content) => typeof content === 'string');
  if (texts.length === 0) return (contents as Record<string, unknown>[][]).flat();
  if (contents.length === 1) return texts[0]!;
  throw new ConfigError(`\`${pattern}\` matches ${contents.length} files including text files; a text file must be matched on its own`, {
    file: options.file,
    field: options.field,
  });
}

async function matchDataFiles(pattern: string, options: ReadDataFileOptions): Promise<string[]> {
  const dirs = [options.baseDir, ...(options.fallbackDir !== undefined && !isAbsolute(pattern) ? [options.fallbackDir] : [])];
  for (const dir of dirs) {
    const path = resolve(dir, pattern);
    if (!hasGlobMagic(pattern) && (await isDirectory(path))) {
      throw new ConfigError(`\`${path}\` is a directory; give a data file or a glob (HuggingFace dataset directories are not supported)`, {
        file: options.file,
        field: options.field,
      });
    }
    const formats = options.formats;
    const found = (await globFiles(pattern, dir)).filter((match) => formats === undefined || !hasGlobMagic(pattern) || formats.some((format) => match.endsWith(format)));
    if (found.length > 0) return found;
  }
  const tried = dirs.map((dir) => `\`${resolve(dir, pattern)}\``).join(' or ');
  throw new ConfigError(`no file matches ${tried}`, { file: options.file, field: options.field });
}

async function readOne(path: string, options: ReadDataFileOptions): Promise<Record<string, unknown>[] | string> {
  const format = extname(path).toLowerCase();
  if (!recordFormats.has(format) && !textFormats.has(format)) {
    const supported = [...recordFormats, ...textFormats].join(', ');
    throw new ConfigError(`unsupported data format \`${format || '(none)'}\` for \`${path}\` (supported: ${supported})`, { file: options.file, field: options.field });
  }
  const text = (await readTextFile(path)).replace(/^\uFEFF/, '');
  if (textFormats.has(format)) return text;
  if (format === '.csv') return parseCsv(text, path);
  if (format === '.jsonl') return parseJsonLines(text, path);
  const content = format === '.json' ? parseJson(text, path) : parseYamlText(text, path);
  return toRecords(content, path);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
