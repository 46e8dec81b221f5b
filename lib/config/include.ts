import { dirname, extname, resolve } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { readDataFile } from './data-file.ts';
import { deepMerge } from './deep-merge.ts';
import { type Env, expandEnv } from './expand-env.ts';
import { globFiles } from './glob.ts';
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
