import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { describeFsCause } from '../errors/datastore-error.ts';
import { type LockHolder, TaskLockedError } from '../errors/task-locked-error.ts';
import { openDatabase, requireSqlite } from '../sqlite.ts';

/** A held task-folder lock. */
export interface TaskLock {
  /** The holder whose lock this one replaced: a run that died without releasing it. */
  readonly replaced: LockHolder | undefined;
  release(): void;
}

/** File names of the lock, kept in the task folder (never deleted: see `lockTaskFolder`). */
export const lockFileNames = ['.rxdgt.lock', '.rxdgt.lock.json'] as const;

/**
 * Takes the task folder's lock, so one process at a time runs a task. The lock is an exclusive SQLite lock on
 * `.rxdgt.lock` (an `fcntl` lock underneath): the kernel drops it when its process ends, however it ends, so a run
 * killed with `kill -9` never leaves a stale lock. The holder's pid, host and start time go to `.rxdgt.lock.json` for
 * the message a second run gets. The lock file itself is never removed: a process waiting on the old file would
 * otherwise lock a deleted file while a third locks the new one.
 *
 * @throws {TaskLockedError} when another process (or another run in this process) holds it
 * @throws {ConfigError} naming the lock's file when the folder cannot be written (read-only, say)
 */
export function lockTaskFolder(dir: string): TaskLock {
  const [lockName, holderName] = lockFileNames;
  const lockPath = join(dir, lockName);
  const holderPath = join(dir, holderName);
  requireSqlite({ feature: 'the task folder\'s lock (taken by every run that writes a task folder)', file: lockPath });
  // SQLite would say only "unable to open database file": opening the file first gives the cause.
  try {
    closeSync(openSync(lockPath, 'a'));
  } catch (error) {
    throw unwritable(lockPath, error);
  }
  const database = openDatabase(lockPath, { timeout: 0 });
  try {
    database.pragma('journal_mode = MEMORY');
    database.pragma('locking_mode = EXCLUSIVE');
    database.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    database.close();
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') throw new TaskLockedError(dir, readHolder(holderPath));
    throw error;
  }
  // Details left behind belong to a run that ended without cleaning up: its lock is gone, so it died.
  const replaced = readHolder(holderPath);
  const holder: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  try {
    writeFileSync(holderPath, `${JSON.stringify(holder)}\n`);
  } catch (error) {
    database.close();
    throw unwritable(holderPath, error);
  }
  let held = true;
  return {
    replaced,
    release() {
      if (!held) return;
      held = false;
      rmSync(holderPath, { force: true });
      database.close();
    },
  };
}

function unwritable(path: string, error: unknown): ConfigError {
  return new ConfigError(`cannot write the task's lock: ${describeFsCause(error)}`, { file: path, cause: error });
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}
