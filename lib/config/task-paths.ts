import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';

const taskFileNames = new Set(['task.yaml', 'qna.yaml']);

/**
 * Expands task paths (resolved against `cwd`) into task files: a file stays as given, a directory is walked
 * recursively for files named `task.yaml` or `qna.yaml`, in sorted depth-first order. Each file appears once.
 *
 * @throws {ConfigError} "file not found" for a path that does not exist
 */
export async function findTaskFiles(paths: readonly string[], cwd: string): Promise<string[]> {
  const found: string[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const info = await stat(absolute).catch((error: unknown) => {
      throw new ConfigError('file not found', { file: absolute, cause: error });
    });
    found.push(...(info.isDirectory() ? await walkForTaskFiles(absolute) : [absolute]));
  }
  return [...new Set(found)];
}

async function walkForTaskFiles(dir: string): Promise<string[]> {
  // Sorting each directory's entries gives a stable depth-first order: `a/…` before `a-b/…` before `b/…`.
  const entries = (await readdir(dir, { withFileTypes: true })).sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walkForTaskFiles(path);
      return taskFileNames.has(entry.name) && (entry.isFile() || entry.isSymbolicLink()) ? [path] : [];
    }),
  );
  return nested.flat();
}
