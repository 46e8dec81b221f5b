import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isWithin, realOf, resolveInside } from '../blocks/resolve-inside.ts';
import { ConfigError } from '../errors/config-error.ts';

/** Where a file a task names may be: its own folder, or DGT's data folder. */
export interface InputPlace {
  /** The folder of the file that names the path (the task file's). */
  readonly folder: string;
  /** The run's working directory, which DGT resolves `${DGT_DATA_DIR}/...` paths against. */
  readonly cwd: string;
  /** DGT's data folder (`DGT_DATA_DIR`, default `data`), absolute. */
  readonly dataDirectory: string;
  readonly file: string;
  readonly field: string;
}

/** Whether `path` lies in `folder`, its symbolic links followed. */
function inside(folder: string, path: string): boolean {
  return isWithin(folder, path) && isWithin(realOf(folder), realOf(path));
}

/**
 * Resolves a file a task names (documents, tool specs, policies, corpora): inside the task's folder, or inside DGT's
 * data folder, which DGT's own task files name as `${DGT_DATA_DIR}/...` (expanded by then, so relative to the working
 * directory, or absolute). Anything else is refused before a byte is read.
 *
 * ## Example
 * ```ts
 * const place = { folder: '/t', cwd: '/w', dataDirectory: '/w/data', file: '/t/task.yaml', field: 'tools.0.path' };
 * resolveInputPath('tools.json', place); // '/t/tools.json'
 * resolveInputPath('data/public/tools.json', place); // '/w/data/public/tools.json' (when /t/data/public/tools.json does not exist)
 * resolveInputPath('/etc/passwd', place); // throws ConfigError
 * ```
 * @throws {ConfigError} naming the file and the field when the path lies outside both folders
 */
export function resolveInputPath(path: string, place: InputPlace): string {
  const where = { file: place.file, field: place.field };
  const inData = resolve(place.cwd, path);
  if (inside(place.dataDirectory, inData) && (isAbsolute(path) || !existsSync(resolve(place.folder, path)))) return inData;
  if (isAbsolute(path) && !inside(place.folder, path)) {
    throw new ConfigError(`\`${path}\` lies outside the task's folder and DGT's data folder (${place.dataDirectory}, DGT_DATA_DIR): files a task names must be in one of them`, where);
  }
  try {
    return resolveInside(place.folder, path, where);
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    throw new ConfigError(`\`${path}\` lies outside the task's folder and DGT's data folder (${place.dataDirectory}, DGT_DATA_DIR): files a task names must be in one of them`, where);
  }
}

/** Where a file a task's sub-config names (a tool file, a search corpus) is looked for. */
export interface NamedFilePlace {
  readonly file: string | undefined;
  readonly directory: string;
  /** The task's own resolver (`BuilderTask.resolvePath`: its folder, or DGT's data folder). @default inside `directory` */
  readonly resolvePath?: ((path: string, field: string) => string) | undefined;
}

/**
 * A file a task's sub-config names at `field`: through the task's `resolvePath` when it has one, else inside `directory`.
 * @throws {ConfigError} naming the file and the field when the path leaves its folder
 */
export function namedFilePath(place: NamedFilePlace, path: string, field: string): string {
  return place.resolvePath ? place.resolvePath(path, field) : resolveInside(place.directory, path, { file: place.file ?? 'the task', field });
}
