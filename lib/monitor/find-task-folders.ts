import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { taskFiles } from '../store/task-layout.ts';

/** Folders below the output folder searched for task folders (task names with `/` nest them). */
const maxDepth = 8;
/** Folders visited at most per search: an output folder is no place for a big tree, and a monitor's read must stay cheap. */
const maxFolders = 5_000;
/** Files that make a folder a task's. */
const markers: readonly string[] = [taskFiles.card, taskFiles.results, taskFiles.state];

/**
 * The task folders under `root`, breadth first: folders holding a task's card, results or dataloader state (a task
 * named `a/b` has its folder inside `a`'s, when there is a task `a`). Links are not entered, nor dot folders nor a
 * task's `blocks/`, so every folder found lies inside `root`; a missing `root` has none.
 *
 * ## Example
 * ```ts
 * await findTaskFolders('output'); // ['/work/output/samples/geography_qa']
 * ```
 */
export async function findTaskFolders(root: string): Promise<string[]> {
  const found: string[] = [];
  let level = [root];
  let visited = 0;
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth += 1) {
    const next: string[] = [];
    for (const dir of level) {
      if ((visited += 1) > maxFolders) return found;
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      const isTask = entries.some((entry) => entry.isFile() && markers.includes(entry.name));
      if (isTask) found.push(dir);
      for (const entry of entries) {
        // Dirent does not follow links: a link to a folder is no folder here, so nothing outside `root` is entered.
        if (!entry.isDirectory() || entry.name.startsWith('.') || (isTask && entry.name === taskFiles.blocks)) continue;
        next.push(join(dir, entry.name));
      }
    }
    level = next;
  }
  return found;
}
