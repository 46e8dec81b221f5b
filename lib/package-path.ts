import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** Absolute path of a file shipped in the package (builder YAMLs, prompt templates), from source or from `dist/`. */
export function packagePath(...segments: string[]): string {
  if (!root) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'builders'))) {
      const parent = dirname(dir);
      if (parent === dir) throw new Error('rxdgt: cannot find the package root (builders/ beside package.json)');
      dir = parent;
    }
    root = dir;
  }
  return join(root, ...segments);
}
