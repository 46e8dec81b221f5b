import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { DatastoreError } from '../errors/datastore-error.ts';
import { outputFile, postprocessingFile, sqliteCompanions, taskFiles } from './task-layout.ts';

/**
 * Starts a task's folder over (`--restart`): removes the files a run writes there, by name, and the rejection logs
 * in `blocks/`. Anything else stays: another task's folder nested inside (`task_name: a/b` lives in `a/`'s folder),
 * files a user put there, the folder lock. Nothing outside the folder is touched.
 *
 * The order matters if the process dies halfway: SQLite's journals go before its database (a database must never
 * meet a stale journal), the records before the bookkeeping that describes them, and `dataloader_state.jsonl` last,
 * so a restart cut short leaves records missing that their commit line says are there: the next run refuses to
 * resume them (and says to restart) rather than take them for an older run's.
 *
 * @throws {ConfigError} when `blocks/` is another task's folder
 */
export function clearTaskFolder(dir: string): void {
  if (!existsSync(dir)) return;
  const blocks = join(dir, taskFiles.blocks);
  if (existsSync(join(blocks, taskFiles.lock))) {
    throw new ConfigError('is the folder of another task, not this task\'s rejection logs: give one of the two tasks another `task_name` or `store_name`', { file: blocks });
  }
  try {
    const names = readdirSync(dir);
    const remove = (name: string): void => rmSync(join(dir, name), { force: true });
    // DGT's own intermediate store, written in another output format, goes with the records too.
    for (const name of [...sqliteCompanions, taskFiles.sqlite, taskFiles.data, 'data.parquet', 'data.csv']) remove(name);
    if (existsSync(blocks)) {
      for (const name of readdirSync(blocks)) if (name.endsWith('.jsonl')) rmSync(join(blocks, name), { force: true });
      if (readdirSync(blocks).length === 0) rmdirSync(blocks);
    }
    for (const name of names) if (outputFile.test(name) || postprocessingFile.test(name) || name === taskFiles.postprocessRejections) remove(name);
    for (const name of [taskFiles.results, taskFiles.card, taskFiles.logs, taskFiles.state]) remove(name);
  } catch (error) {
    throw new DatastoreError(dir, 'clear the task folder for a restart', error);
  }
}
