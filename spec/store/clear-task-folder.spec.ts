import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { clearTaskFolder } from '../../lib/store/clear-task-folder.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Files a run of rxdgt or DGT writes in a task's folder: a restart removes them. */
const runFiles = [
  'data.jsonl',
  'data.parquet',
  'data.csv',
  'data.sqlite',
  'data.sqlite-wal',
  'data.sqlite-shm',
  'data.sqlite-journal',
  'final_data.jsonl',
  'final_data.parquet',
  'final_data.csv',
  'final_data.sqlite',
  'formatted_data.jsonl',
  'dataloader_state.jsonl',
  'task_results.jsonl',
  'task_card.jsonl',
  'logs.jsonl',
  'postproc_data_1.jsonl',
  'blocks/judge.jsonl',
  'blocks/_.._escape.jsonl',
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

  test('a folder that does not exist is left so', () => {
    const dir = join(tempDir(), 'missing');
    clearTaskFolder(dir);
    expect(existsSync(dir)).toBe(false);
  });
});
