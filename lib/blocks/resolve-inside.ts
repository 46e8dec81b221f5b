import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';

/** Whether `path` is `folder` or lies below it (`..notes.txt` inside the folder is fine; `../x` is not). */
export function isWithin(folder: string, path: string): boolean {
  const rest = relative(folder, path);
  return rest === '' || (rest !== '..' && !rest.startsWith(`..${sep}`) && !isAbsolute(rest));
}

/** Where `path` really is: its symbolic links followed, up to the deepest part of it that exists. */
export function realOf(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  return parent === path ? path : join(realOf(parent), basename(path));
}

/**
 * Resolves a file a config names relative to the config's folder, refusing one that lies outside it (`../x`, an
 * absolute path elsewhere, or a symbolic link out of it, of the file or of a folder on its way).
 *
 * ## Example
 * ```ts
 * resolveInside('/b', 'prompts/ask.txt', { file: '/b/builder.yaml', field: 'blocks.0.prompt_file' }); // '/b/prompts/ask.txt'
 * resolveInside('/b', '../secret', { file: '/b/builder.yaml', field: 'blocks.0.prompt_file' }); // throws ConfigError
 * ```
 * @throws {ConfigError} naming the file and the field when the path leaves the folder
 */
export function resolveInside(folder: string, path: string, where: { readonly file: string; readonly field: string }): string {
  const resolved = resolve(folder, path);
  if (!isWithin(folder, resolved) || !isWithin(realOf(resolve(folder)), realOf(resolved))) {
    throw new ConfigError(`\`${path}\` lies outside the folder of ${where.file}: files a builder names must be inside its folder`, where);
  }
  return resolved;
}
