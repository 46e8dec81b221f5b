import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatastoreError } from '../errors/datastore-error.ts';

/** Files of a task's folder that a restart removes: what rxdgt and DGT write there, and nothing else. */
const taskFile = /^(?:data\.(?:jsonl|parquet|csv|sqlite(?:-wal|-shm|-journal)?)|(?:final|formatted)_data\.(?:jsonl|parquet|csv|sqlite)|dataloader_state\.jsonl|task_results\.jsonl|task_card\.jsonl|logs\.jsonl|postproc_data_\d+\.jsonl)$/;

/**
 * Starts a task's folder over (`--restart`): removes the files a run writes there and the rejection logs in
 * `blocks/`, by name. Anything else stays: another task's folder nested inside (`task_name: a/b` lives in `a/`'s
 * folder), files a user put there, the folder lock. Nothing outside the folder is touched.
 */
export function clearTaskFolder(dir: string): void {
  if (!existsSync(dir)) return;
  try {
    for (const name of readdirSync(dir)) if (taskFile.test(name)) rmSync(join(dir, name), { force: true });
    const blocks = join(dir, 'blocks');
    if (existsSync(blocks)) {
      for (const name of readdirSync(blocks)) if (name.endsWith('.jsonl')) rmSync(join(blocks, name), { force: true });
      if (readdirSync(blocks).length === 0) rmdirSync(blocks);
    }
  } catch (error) {
    throw new DatastoreError(dir, 'clear the task folder for a restart', error);
  }
}
