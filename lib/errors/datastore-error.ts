import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.DatastoreError');

/** Words for the file-system errors a datastore meets; anything else keeps its code. */
const causes: Readonly<Record<string, string>> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a parent of it is a file, not a directory',
  EEXIST: 'it already exists',
  ENOENT: 'it does not exist',
  EMFILE: 'too many open files',
  EIO: 'an input/output error',
};

/** The words for a file-system error (`the disk is full`), or its code or message. */
export function describeFsCause(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined) return causes[code] ?? code;
  return error instanceof Error ? error.message : String(error);
}

/**
 * A datastore could not read or write its files while the run was going: a full disk, a file that vanished. The
 * message is one line naming the path, what was being done and why it failed (`<path>: cannot append: the disk is
 * full`); the records committed before are intact. The CLI exits 1. Bad configuration (an output folder that is a
 * file, one that cannot be written) is found before the run starts and is a `ConfigError`.
 */
export class DatastoreError extends RxdgtError {
  protected readonly [marker] = true;
  /** The file or folder involved. */
  readonly path: string;
  /** The errno code of the cause (`ENOSPC`), when there is one. */
  readonly code: string | undefined;

  constructor(path: string, action: string, cause: unknown) {
    super(`${path}: cannot ${action}: ${describeFsCause(cause)}`, { cause });
    this.path = path;
    this.code = (cause as NodeJS.ErrnoException | undefined)?.code;
  }

  static override isInstance = instanceGuard<DatastoreError>(marker);
}
