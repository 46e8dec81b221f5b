import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { globFiles, hasGlobMagic } from '../../config/glob.ts';
import { ConfigError } from '../../errors/config-error.ts';

/** How to resolve a `data_path` and name it in errors. */
export interface ResolveDataPathOptions {
  /** Directory a relative path resolves against first. */
  readonly baseDir: string;
  /** Tried for a relative path when nothing is found under `baseDir`. */
  readonly fallbackDir?: string | undefined;
  /** Keep only glob matches ending in one of these (`.jsonl` or `jsonl`); ignored for a path without glob syntax. */
  readonly formats?: readonly string[] | undefined;
  /** File that names the path (a task file), for errors. */
  readonly file?: string | undefined;
  /** Field that holds the path (`seed_datastore.data_path`), for errors. */
  readonly field?: string | undefined;
}

/** What a `data_path` names: data files (one, or a glob's matches in sorted path order), or one folder. */
export type ResolvedDataPath = { readonly kind: 'files'; readonly paths: readonly string[] } | { readonly kind: 'folder'; readonly path: string };

/**
 * Resolves a `data_path`: a file, a folder (no glob syntax) or a glob (`*`, `?`, `[...]`, `**`; folders it matches
 * are skipped). A relative path is tried under `baseDir`, then under `fallbackDir`. With `formats`, only glob
 * matches ending in one of them are kept; an entry without its dot gets one (`jsonl` keeps `*.jsonl`).
 *
 * ## Example
 * ```ts
 * await resolveDataPath('data/*.jsonl', { baseDir: '/work' }); // { kind: 'files', paths: ['/work/data/a.jsonl', ...] }
 * ```
 *
 * @throws {ConfigError} when nothing matches, naming `file`, `field` and each path tried
 */
export async function resolveDataPath(pattern: string, options: ResolveDataPathOptions): Promise<ResolvedDataPath> {
  const glob = hasGlobMagic(pattern);
  const formats = options.formats?.map((format) => (format.startsWith('.') ? format : `.${format}`));
  const dirs = [options.baseDir, ...(options.fallbackDir !== undefined && !isAbsolute(pattern) ? [options.fallbackDir] : [])];
  for (const dir of dirs) {
    const path = resolve(dir, pattern);
    if (!glob && (await isDirectory(path))) return { kind: 'folder', path };
    const found = (await globFiles(pattern, dir)).filter((match) => !glob || formats === undefined || formats.some((format) => match.endsWith(format)));
    if (found.length > 0) return { kind: 'files', paths: found };
  }
  const tried = dirs.map((dir) => `\`${resolve(dir, pattern)}\``).join(' or ');
  const kept = glob && formats !== undefined ? ` ending in ${formats.join(', ')}` : '';
  throw new ConfigError(`no file${kept} matches ${tried}`, { file: options.file, field: options.field });
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
