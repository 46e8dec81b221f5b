import { accessSync, constants, existsSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { describeFsCause } from '../errors/datastore-error.ts';
import { taskFiles } from './task-layout.ts';

/**
 * The folder of a task: `<outputDir>/<storeName>`, which must lie strictly inside `outputDir`, lexically and after
 * following any symbolic links that already exist on the way. A `task_name` or `store_name` such as `../x`, `..`,
 * `.`, an absolute path, or a link out of the output folder would let a `--restart` delete or a write land outside
 * it, so it is refused before anything is touched.
 *
 * @param field what names the folder, for the error (`task_name` or `store_name`)
 * @throws {ConfigError} naming the field and the folder it would have used
 */
export function taskFolder(outputDir: string, storeName: string, field = 'store_name'): string {
  const root = resolve(outputDir);
  const dir = resolve(root, storeName);
  const escapes = (from: string, to: string): boolean => {
    const path = relative(from, to);
    return path === '' || path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path);
  };
  if (isAbsolute(storeName) || escapes(root, dir)) {
    throw new ConfigError(`\`${storeName}\` would put the task's files at ${dir}, outside the output folder ${root}; use a relative name without \`..\``, { field });
  }
  // A link inside the output folder could still lead out of it.
  const real = realOfExisting(dir);
  const realRoot = realOfExisting(root);
  if (escapes(realRoot, real)) {
    throw new ConfigError(`\`${storeName}\` leads through a symbolic link to ${real}, outside the output folder ${realRoot}`, { field });
  }
  return dir;
}

/** The real path of `path`: its deepest existing ancestor resolved through links, with the rest appended. */
function realOfExisting(path: string): string {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  return resolve(realpathSync(existing), relative(existing, path));
}

/**
 * Checks, without creating anything, that a task's folder can be used: the folder (or its deepest existing parent)
 * is a folder rxdgt may write in, and the files a run appends to are not folders. A run checks every task's folder
 * before any task starts, so a bad one stops the run (exit 2) before anything is written.
 *
 * @throws {ConfigError} naming the path and the cause, in one line
 */
export function checkTaskFolder(dir: string): void {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const fail = (path: string, cause: string): never => {
    throw new ConfigError(`cannot use the task's folder: ${cause}`, { file: path });
  };
  if (!statSync(existing).isDirectory()) fail(existing, 'it is a file, not a folder');
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch (error) {
    fail(existing, describeFsCause(error));
  }
  for (const name of [taskFiles.data, taskFiles.state, taskFiles.results, taskFiles.sqlite]) {
    const path = resolve(dir, name);
    if (existsSync(path) && statSync(path).isDirectory()) fail(path, 'it is a folder, not a file');
  }
}
