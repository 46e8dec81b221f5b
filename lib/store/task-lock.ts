import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { describeFsCause } from '../errors/datastore-error.ts';
import { type LockHolder, TaskLockedError } from '../errors/task-locked-error.ts';
import { openDatabase, requireSqlite } from '../sqlite.ts';
import { holdHere, holderIn, holderIsLive, lockPidFile, readLockFile } from './pid-file-lock.ts';

/** A held task-folder lock. */
export interface TaskLock {
  /** The holder whose lock this one replaced: a run that died without releasing it. */
  readonly replaced: LockHolder | undefined;
  release(): void;
}

/** File names of the lock, kept in the task folder (never deleted: see `lockTaskFolder`). */
export const lockFileNames = ['.rxdgt.lock', '.rxdgt.lock.json'] as const;

/** How {@link lockTaskFolder} locks. */
export interface TaskLockOptions {
  /**
   * `sqlite`: an exclusive SQLite lock (needs better-sqlite3); `pid-file`: the exclusive creation of the holder file,
   * for an install without better-sqlite3. @default `sqlite` when better-sqlite3 loads, `pid-file` otherwise
   */
  readonly kind?: 'sqlite' | 'pid-file' | undefined;
}

/**
 * Takes the task folder's lock, so one process at a time runs a task. With better-sqlite3 (an optional dependency),
 * the lock is an exclusive SQLite lock on `.rxdgt.lock` (an `fcntl` lock underneath): the kernel drops it when its
 * process ends, however it ends, so a run killed with `kill -9` never leaves a stale lock. The holder's pid, host and
 * start time go to `.rxdgt.lock.json` for the message a second run gets. The lock file itself is never removed: a
 * process waiting on the old file would otherwise lock a deleted file while a third locks the new one.
 *
 * Without better-sqlite3 (`npm install --omit=optional`), the lock is `.rxdgt.lock.json` itself, created exclusively
 * (see `lockPidFile`): a lock a dead process of this host left is taken over (`replaced`), one of another host is
 * refused. Each kind respects the other's holder, so two installs of rxdgt on one folder still take turns.
 *
 * ## Example
 * ```ts
 * const lock = lockTaskFolder('output/geo');
 * if (lock.replaced) console.log(`took over from process ${lock.replaced.pid}`);
 * lock.release();
 * ```
 *
 * @throws {TaskLockedError} when another process (or another run in this process) holds it
 * @throws {ConfigError} naming the lock's file when the folder cannot be written (read-only, say)
 */
export function lockTaskFolder(dir: string, options: TaskLockOptions = {}): TaskLock {
  const [lockName, holderName] = lockFileNames;
  const lockPath = join(dir, lockName);
  const holderPath = join(dir, holderName);
  const kind = options.kind ?? (sqliteLoads() ? 'sqlite' : 'pid-file');
  // SQLite would say only "unable to open database file": opening the file first gives the cause. A pid-file lock makes
  // it too: it marks the folder as a task's (a task whose `blocks/` holds one is another's folder, see clearTaskFolder).
  try {
    closeSync(openSync(lockPath, 'a'));
  } catch (error) {
    throw unwritable(lockPath, error);
  }
  if (kind === 'pid-file') return lockPidFile(dir, holderPath);
  requireSqlite({ feature: 'the task folder\'s lock (taken by every run that writes a task folder)', file: lockPath });
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
  // A pid-file lock of a run without better-sqlite3 (another install) that is still going: its holder file is its lock.
  const left = readLockFile(holderPath);
  if (left !== undefined && heldByPidFile(left, holderPath)) {
    database.close();
    throw new TaskLockedError(dir, holderIn(left));
  }
  // Details left behind belong to a run that ended without cleaning up: its lock is gone, so it died.
  const replaced = left === undefined ? undefined : holderIn(left);
  const holder: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  try {
    writeFileSync(holderPath, `${JSON.stringify(holder)}\n`);
  } catch (error) {
    database.close();
    throw unwritable(holderPath, error);
  }
  return {
    replaced,
    release: holdHere(holderPath, () => {
      rmSync(holderPath, { force: true });
      database.close();
    }),
  };
}

/** Whether better-sqlite3 loads (installed, and built for this Node.js). */
function sqliteLoads(): boolean {
  try {
    requireSqlite({ feature: 'the task folder\'s lock' });
    return true;
  } catch {
    return false;
  }
}

/** Whether the holder file at `path` is the lock of a pid-file holder still running (or of another host: unknowable). */
function heldByPidFile(text: string, path: string): boolean {
  const holder = holderIn(text);
  if (holder === undefined || (JSON.parse(text) as { lock?: unknown }).lock !== 'pid-file') return false;
  return holderIsLive(holder, path);
}

function unwritable(path: string, error: unknown): ConfigError {
  return new ConfigError(`cannot write the task's lock: ${describeFsCause(error)}`, { file: path, cause: error });
}

function readHolder(path: string): LockHolder | undefined {
  const text = readLockFile(path);
  return text === undefined ? undefined : holderIn(text);
}
