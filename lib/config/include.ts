import { dirname, extname, resolve } from 'node:path';
import { type InputPlace, resolveInputPath } from './input-path.ts';
import { ConfigError } from '../errors/config-error.ts';
import { readDataFile } from './data-file.ts';
import { deepMerge } from './deep-merge.ts';
import { type Env, expandEnv } from './expand-env.ts';
import { globFiles, hasGlobMagic } from './glob.ts';
import { isPlainObject } from './plain-object.ts';
import { readYamlFile } from './yaml-file.ts';

/** Where an `include:` is read from. */
export interface IncludeContext {
  /** File holding the `include:`; relative paths resolve against its directory first. */
  readonly file: string;
  /** Directory tried when a relative path matches nothing next to `file` (DGT resolves against the working directory). */
  readonly cwd: string;
  readonly env: Env;
  /** Field path of the document inside `file`, for error messages (`tasks.my_task`). */
  readonly fieldPrefix?: string | undefined;
  /** Files being included, outermost first, to catch cycles. */
  readonly chain?: readonly string[] | undefined;
}

/**
 * Resolves a document's `include:` and returns the document without it.
 * - A list (or one string) of YAML paths/globs: their top-level mappings are merged in order, then the document's own
 *   keys win. Included YAML is env-expanded and may include further files.
 * - A mapping `{key: path | glob | [paths]}`: each is read with `readDataFile`; records are appended to an existing
 *   list at `key` (or become it), and text becomes the value of `key`.
 * - A mapping of mappings, as DGT's `include: {documents: {group: path | glob | [paths]}}`: each inner entry is read
 *   as DGT does (a file gives its text or its records, a glob or a list gives a list of every file's text and
 *   records), and `key` becomes the mapping of the entries (the document's own entries win). These paths must lie in
 *   the folder of the file holding the `include:` (or below it).
 *
 * @throws {ConfigError} naming `file` and the `include` field
 */
export async function resolveIncludes(document: Readonly<Record<string, unknown>>, context: IncludeContext): Promise<Record<string, unknown>> {
  const { include, ...rest } = document;
  if (include === undefined || include === null) return rest;
  const field = context.fieldPrefix ? `${context.fieldPrefix}.include` : 'include';
  if (typeof include === 'string' || Array.isArray(include)) {
    const paths = typeof include === 'string' ? [include] : include;
    let merged: Record<string, unknown> = {};
    for (const [index, path] of paths.entries()) {
      for (const included of await includeYamlFiles(path, context, `${field}.${index}`)) merged = deepMerge(merged, included);
    }
    return { ...merged, ...rest };
  }
  if (!isPlainObject(include)) throw new ConfigError('expected a list of YAML files or a mapping of field to data files', { file: context.file, field });
  const result: Record<string, unknown> = { ...rest };
  for (const [key, value] of Object.entries(include)) {
    if (isPlainObject(value)) {
      result[key] = nest(result[key], await includeMapping(value, context, `${field}.${key}`), context.file, `${field}.${key}`);
      continue;
    }
    const paths = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(paths) || paths.some((path) => typeof path !== 'string')) {
      throw new ConfigError('expected a path, a glob or a list of them', { file: context.file, field: `${field}.${key}` });
    }
    for (const path of paths as string[]) {
      const content = await readDataFile(path, { baseDir: dirname(context.file), fallbackDir: context.cwd, file: context.file, field: `${field}.${key}` });
      result[key] = combine(result[key], content, context.file, `${field}.${key}`);
    }
  }
  return result;
}

/** The entries of an included mapping of data files, read as DGT's `include` reads them; nested mappings recurse. */
async function includeMapping(mapping: Readonly<Record<string, unknown>>, context: IncludeContext, field: string): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mapping)) {
    const where = `${field}.${key}`;
    if (isPlainObject(value)) {
      result[key] = await includeMapping(value, context, where);
    } else if (typeof value === 'string' && !hasGlobMagic(value)) {
      result[key] = await readInside(value, context, where);
    } else if (typeof value === 'string' || (Array.isArray(value) && value.every((path) => typeof path === 'string'))) {
      const contents: unknown[] = [];
      for (const pattern of typeof value === 'string' ? [value] : (value as string[])) {
        for (const content of await readAllInside(pattern, context, where)) contents.push(...(typeof content === 'string' ? [content] : content));
      }
      result[key] = contents;
    } else {
      throw new ConfigError('expected a path, a glob, a list of them, or a mapping of such', { file: context.file, field: where });
    }
  }
  return result;
}

/** Where a data file an include names may be: the including file's folder, or DGT's data folder. */
function placeOf(context: IncludeContext, field: string): InputPlace {
  return { folder: dirname(context.file), cwd: context.cwd, dataDirectory: resolve(context.cwd, context.env['DGT_DATA_DIR'] ?? 'data'), file: context.file, field };
}

/** Reads one data file named inside the folder of the including file (or DGT's data folder). */
async function readInside(path: string, context: IncludeContext, field: string): Promise<Record<string, unknown>[] | string> {
  const resolved = resolveInputPath(path, placeOf(context, field));
  return readDataFile(resolved, { baseDir: dirname(context.file), file: context.file, field });
}

/** Reads every file a glob (or a path) matches inside the folder of the including file (or DGT's data folder), in path order. */
async function readAllInside(pattern: string, context: IncludeContext, field: string): Promise<(Record<string, unknown>[] | string)[]> {
  const absolute = resolveInputPath(pattern, placeOf(context, field));
  const paths = await globFiles(absolute, dirname(context.file));
  if (paths.length === 0) throw new ConfigError(`no file matches \`${absolute}\``, { file: context.file, field });
  const contents: (Record<string, unknown>[] | string)[] = [];
  for (const path of paths) contents.push(await readInside(path, context, field));
  return contents;
}

/** An included mapping under the document's own mapping at `key` (whose entries win). */
function nest(current: unknown, included: Record<string, unknown>, file: string, field: string): unknown {
  if (current === undefined || current === null) return included;
  if (isPlainObject(current)) return { ...included, ...current };
  throw new ConfigError(`cannot include a mapping into \`${field.split('.').at(-1)}\`, which is not a mapping`, { file, field });
}

function combine(current: unknown, content: Record<string, unknown>[] | string, file: string, field: string): unknown {
  if (typeof content === 'string' || current === undefined || current === null) return content;
  if (Array.isArray(current)) return [...current, ...content];
  throw new ConfigError(`cannot append included records to \`${field.split('.').at(-1)}\`, which is not a list`, { file, field });
}

async function includeYamlFiles(pattern: unknown, context: IncludeContext, field: string): Promise<Record<string, unknown>[]> {
  if (typeof pattern !== 'string') throw new ConfigError('expected a path or glob of a YAML file', { file: context.file, field });
  let paths = await globFiles(pattern, dirname(context.file));
  if (paths.length === 0) paths = await globFiles(pattern, context.cwd);
  if (paths.length === 0) {
    const tried = [dirname(context.file), context.cwd].map((dir) => `\`${resolve(dir, pattern)}\``).join(' or ');
    throw new ConfigError(`no file matches ${tried}`, { file: context.file, field });
  }
  const chain = context.chain ?? [resolve(context.file)];
  const documents: Record<string, unknown>[] = [];
  for (const path of paths) {
    if (!['.yaml', '.yml'].includes(extname(path).toLowerCase())) {
      throw new ConfigError(`\`${path}\` is not a YAML file; include data files with the mapping form \`include: {field: path}\``, { file: context.file, field });
    }
    if (chain.includes(path)) throw new ConfigError(`include cycle: ${[...chain, path].join(' -> ')}`, { file: context.file, field });
    const content = expandEnv(await readYamlFile(path), context.env);
    if (content === null || content === undefined) continue;
    if (!isPlainObject(content)) throw new ConfigError('an included YAML file must hold a mapping at the top level', { file: path });
    documents.push(await resolveIncludes(content, { file: path, cwd: context.cwd, env: context.env, chain: [...chain, path] }));
  }
  return documents;
}
