import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ConfigError } from '../errors/config-error.ts';
import { describeFsCause } from '../errors/datastore-error.ts';
import { type LockHolder, TaskLockedError } from '../errors/task-locked-error.ts';

/** What a pid-file lock writes: its holder, marked as a lock of this kind (a SQLite lock's holder file is no lock). */
export interface PidFileHolder extends LockHolder {
  readonly lock: 'pid-file';
}

/** A pid-file lock, held until `release()`. */
export interface PidFileLock {
  /** The holder of a lock this one took over: a process of this host that died without releasing it. */
  readonly replaced: LockHolder | undefined;
  release(): void;
}

/**
 * Takes a lock that needs no native module: the exclusive creation of `path` (`open(path, 'wx')`), holding the
 * holder's `{pid, host, started}`. A lock left by a process of this host that is gone (`process.kill(pid, 0)` says
 * `ESRCH`) is taken over, its holder returned as `replaced`; a lock of another host is never taken over (its pid
 * cannot be checked). Takeovers go one at a time through a second exclusive file (`<path>.takeover`, holding the
 * taker), and each re-reads the lock under it and then renames that file over it (the lock file is never missing): of
 * any number of runs that find the same stale lock, whatever their timing, exactly one takes it and the rest are refused.
 *
 * ## Example
 * ```ts
 * const lock = lockPidFile('/data/output/geo', '/data/output/geo/.rxdgt.lock.json');
 * // ... the run ...
 * lock.release();
 * ```
 *
 * @param dir the folder the lock guards, for {@link TaskLockedError}
 * @throws {TaskLockedError} when a live process holds it (this one included), or a process of another host
 * @throws {ConfigError} naming the file when it cannot be written (a read-only folder, say)
 */
export function lockPidFile(dir: string, path: string): PidFileLock {
  const holder: PidFileHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), lock: 'pid-file' };
  const content = `${JSON.stringify(holder)}\n`;
  const replaced = create(path, content) ? undefined : takeOver(dir, path, content);
  return {
    replaced,
    // Only our own lock: never one a later run took.
    release: holdHere(path, () => {
      if (readLockFile(path) === content) rmSync(path, { force: true });
    }),
  };
}

/** The lock files this process holds: one naming this process's pid that it does not hold is a dead process's. */
const heldHere = new Set<string>();

/**
 * Records that this process holds the lock whose holder file is `path` (either kind), and returns its release: the
 * first call lets it go and then runs `letGo` (removing the files); later calls do nothing.
 */
export function holdHere(path: string, letGo: () => void): () => void {
  const key = resolve(path);
  heldHere.add(key);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    heldHere.delete(key);
    letGo();
  };
}

/**
 * Whether the holder a lock file at `path` names may still hold it: a process of another host (unknowable), this
 * process when it holds `path`, or another live process of this host. A lock naming this process's own pid that it
 * does not hold was left by a dead process whose pid came back (a container restarted with the same pid, a reboot).
 */
export function holderIsLive(holder: LockHolder, path: string): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return heldHere.has(resolve(path));
  return isAlive(holder.pid);
}

/**
 * Takes over the lock at `path` when its holder is gone, returning that holder (none: it was released meanwhile and
 * this run took it as a first taker). The new lock replaces the stale one by a rename, so the lock file is never
 * missing: a run arriving meanwhile finds a lock to judge, never a free folder (removing the stale lock and then
 * creating ours let it create the lock in between, as a first taker, and refused the run that did the takeover).
 * @throws {TaskLockedError} when its holder is alive, of another host, or took it since
 */
function takeOver(dir: string, path: string, content: string): LockHolder | undefined {
  const found = readLockFile(path);
  // Released between our try and this read: one more try, as a first taker.
  if (found === undefined) {
    if (create(path, content)) return undefined;
    throw new TaskLockedError(dir, holderIn(readLockFile(path) ?? ''));
  }
  const stale = staleHolder(found, path);
  if (stale === undefined) throw new TaskLockedError(dir, holderIn(found));
  const claim = `${path}.takeover`;
  claimTakeover(dir, claim, content);
  let moved = false;
  try {
    // Under the claim: the lock is still the stale one we judged, or another run took it (and maybe let it go) meanwhile.
    const now = readLockFile(path);
    if (now === found) {
      // The claim holds our holder: renamed over the stale lock, it becomes our lock and the claim ends, in one step.
      replace(claim, path);
      moved = true;
      return stale;
    }
    // Never removed: a lock found missing here may be another run's by now, which only the exclusive creation respects.
    if (now === undefined && create(path, content)) return undefined;
    throw new TaskLockedError(dir, holderIn(now ?? readLockFile(path) ?? ''));
  } finally {
    // Only a claim still ours: once renamed, the name may be another run's claim.
    if (!moved) rmSync(claim, { force: true });
  }
}

/** Whether the exclusive creation of `path` with `content` succeeded (false: it exists). */
function create(path: string, content: string): boolean {
  try {
    writeFileSync(path, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigError(`cannot write the task's lock: ${describeFsCause(error)}`, { file: path, cause: error });
  }
}

/** Renames `from` over `to`, atomically (a reader finds the old file or the new one, never none). */
function replace(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    throw new ConfigError(`cannot write the task's lock: ${describeFsCause(error)}`, { file: to, cause: error });
  }
}

/**
 * Creates the takeover claim `path` holding our holder, so takeovers go one at a time. Another takeover in progress
 * refuses this one; so does a claim left by a process that died within its takeover (microseconds), named in the
 * error, as removing it could race another run's.
 */
function claimTakeover(dir: string, path: string, content: string): void {
  if (create(path, content)) return;
  const found = readLockFile(path) ?? '';
  if (staleHolder(found, path) === undefined) throw new TaskLockedError(dir, holderIn(found));
  throw new ConfigError(`a run that died while taking over the task's lock left this file: remove it, then run again`, { file: path });
}

/** The holder of the text of the lock file at `path` when it is a process of this host that is gone; undefined otherwise. */
function staleHolder(text: string, path: string): LockHolder | undefined {
  const holder = holderIn(text);
  return holder === undefined || holderIsLive(holder, path) ? undefined : holder;
}

/** Whether a process of this host runs with `pid` (one of another user counts: `EPERM`). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The holder a lock file names; undefined while its writer has not written it yet, or for text that is none. */
export function holderIn(text: string): LockHolder | undefined {
  try {
    const { pid, host, started } = JSON.parse(text) as Partial<LockHolder>;
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0 || typeof host !== 'string' || typeof started !== 'string') return undefined;
    return { pid, host, started };
  } catch {
    return undefined;
  }
}

/** The text of a lock's file; undefined when it cannot be read (gone, say). */
export function readLockFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
