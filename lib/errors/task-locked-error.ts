import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.TaskLockedError');

/** Who holds a task folder's lock. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When it took the lock (ISO time). */
  readonly started: string;
}

/**
 * Another run is using the task's folder: two runs of one task would both write its records. The message names the
 * holder (process, host, since when). With SQLite the lock is the kernel's, released when its process dies however it
 * dies; without it (an install without better-sqlite3) it is a pid file, whose dead holder of this host is taken over,
 * but a holder of another host cannot be checked: its lock stands until removed.
 */
export class TaskLockedError extends RxdgtError {
  protected readonly [marker] = true;
  readonly dir: string;
  /** Undefined when the holder has not written its details yet (it is starting). */
  readonly holder: LockHolder | undefined;

  constructor(dir: string, holder: LockHolder | undefined) {
    const who = holder ? `process ${holder.pid} on ${holder.host}, running since ${holder.started}` : 'another process that is starting';
    super(`${dir}: the task's folder is in use by ${who}; wait for that run to end (one run per task folder)`);
    this.dir = dir;
    this.holder = holder;
  }

  static override isInstance = instanceGuard<TaskLockedError>(marker);
}
