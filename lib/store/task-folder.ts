import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';

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
