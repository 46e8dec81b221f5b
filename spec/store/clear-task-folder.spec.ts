import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import { clearTaskFolder } from '../../lib/store/clear-task-folder.ts';
import { openJsonlLedgerStore } from '../../lib/store/jsonl-ledger-store.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Files a run writes in a task's folder, in the order a restart removes them. */
const runFiles = [
  'data.sqlite-wal',
  'data.sqlite-shm',
  'data.sqlite-journal',
  'data.sqlite',
  'data.jsonl',
  'blocks/judge.jsonl',
  'blocks/_.._escape.jsonl',
  'final_data.jsonl',
  'final_data.parquet',
  'final_data.csv',
  'final_data.sqlite',
  'formatted_data.jsonl',
  'final_data.jsonl.4242.copy.tmp',
  'final_data.parquet.4242.1.tmp',
  'postproc_data_1.jsonl',
  'task_results.jsonl',
  'task_card.jsonl',
  'logs.jsonl',
  'dataloader_state.jsonl',
];

/** Files a restart keeps: the lock, a user's own files, a nested task's folder. */
const keptFiles = ['.rxdgt.lock', '.rxdgt.lock.json', 'notes.txt', 'data.jsonl.bak', 'my_final_data.jsonl', 'nested/data.jsonl', 'nested/blocks/judge.jsonl'];

/** Writes each file (a relative path) under `dir`. */
function write(dir: string, files: readonly string[]): void {
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), 'x\n');
  }
}

/** Every file under `dir`, as sorted relative paths. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

describe('clearTaskFolder', () => {
  test('removes the files a run writes and keeps every other file', () => {
    const dir = tempDir();
    write(dir, [...runFiles, ...keptFiles]);
    clearTaskFolder(dir);
    expect(filesUnder(dir)).toEqual([...keptFiles].sort());
  });

  test('removes blocks/ once it is empty', () => {
    const dir = tempDir();
    write(dir, ['data.jsonl', 'blocks/judge.jsonl']);
    clearTaskFolder(dir);
    expect(readdirSync(dir)).toEqual([]);
  });

  test('keeps blocks/ when it holds a file that is not a rejection log', () => {
    const dir = tempDir();
    write(dir, ['blocks/judge.jsonl', 'blocks/README.md']);
    clearTaskFolder(dir);
    expect(filesUnder(dir)).toEqual(['blocks/README.md']);
  });

  test('touches nothing beside the folder', () => {
    const root = tempDir();
    write(root, ['data.jsonl', 'task/data.jsonl']);
    clearTaskFolder(join(root, 'task'));
    expect(filesUnder(root)).toEqual(['data.jsonl']);
  });

  // A file turned into a folder (with a file in it) cannot be removed: the restart stops there, as a crash would.
  test.each(['data.sqlite', 'data.jsonl', 'task_results.jsonl', 'dataloader_state.jsonl'])(
    'removes in order, dataloader_state.jsonl last: stopped at %s, what comes before it is gone and the rest stays',
    (stopper) => {
      const dir = tempDir();
      const others = runFiles.filter((file) => file !== stopper);
      write(dir, [...others, `${stopper}/inside`]);
      let error: unknown;
      try {
        clearTaskFolder(dir);
      } catch (thrown) {
        error = thrown;
      }
      expect(DatastoreError.isInstance(error)).toBe(true);
      expect((error as DatastoreError).path).toBe(dir);
      const after = runFiles.slice(runFiles.indexOf(stopper) + 1);
      expect(filesUnder(dir)).toEqual([`${stopper}/inside`, ...after].sort());
    },
  );

  test('a restart cut short before dataloader_state.jsonl leaves a folder the ledger refuses to resume', async () => {
    const dir = tempDir();
    const store = await openJsonlLedgerStore(dir);
    store.commit({ records: [{ task_name: 'qa', is_seed: false, text: 'a' }], rejections: [], summary: { records: 1, rejected: 0, next: 1, unsettled: [], position: undefined } });
    store.close();
    const size = readFileSync(join(dir, 'data.jsonl')).length;
    mkdirSync(join(dir, 'task_results.jsonl', 'stuck'), { recursive: true });
    expect(() => clearTaskFolder(dir)).toThrow(DatastoreError);
    const error: unknown = await openJsonlLedgerStore(dir).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).message).toBe(
      `${join(dir, 'data.jsonl')}: holds 0 bytes but its last commit recorded ${size}: it was changed outside rxdgt; restore it, or start over with --restart`,
    );
  });

  test('blocks/ that is the folder of another task is a ConfigError naming it, and nothing is removed', () => {
    const dir = tempDir();
    write(dir, ['data.jsonl', 'dataloader_state.jsonl', 'blocks/.rxdgt.lock', 'blocks/data.jsonl']);
    expect(() => clearTaskFolder(dir)).toThrow(
      new ConfigError("is the folder of another task, not this task's rejection logs: give one of the two tasks another `task_name` or `store_name`", {
        file: join(dir, 'blocks'),
      }),
    );
    expect(filesUnder(dir)).toEqual(['blocks/.rxdgt.lock', 'blocks/data.jsonl', 'data.jsonl', 'dataloader_state.jsonl']);
  });

  test('a folder that does not exist is left so', () => {
    const dir = join(tempDir(), 'missing');
    clearTaskFolder(dir);
    expect(existsSync(dir)).toBe(false);
  });
});
