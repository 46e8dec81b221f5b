import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Numbers the temporary files of one process, so two writes of the same path never share one. */
let sequence = 0;

/**
 * Runs `write` on a temporary file beside `path` (`<path>.<pid>.<n>.tmp`), flushes it to disk and renames it over
 * `path`: a reader sees the old file or the whole new one, never a part. The folder is created if missing. On any
 * failure the temporary file is removed, `path` is left as it was, and the error is rethrown as it came.
 */
export async function writeAtomically<T>(path: string, write: (temporaryPath: string) => Promise<T>): Promise<T> {
  const temporaryPath = `${path}.${process.pid}.${sequence++}.tmp`;
  try {
    await makeFolder(dirname(path));
    const result = await write(temporaryPath);
    const handle = await open(temporaryPath, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporaryPath, path);
    return result;
  } catch (error) {
    // The suffixed files are SQLite's journals, left behind when a write fails inside a transaction.
    const leftovers = ['', '-journal', '-wal', '-shm'].map((suffix) => rm(temporaryPath + suffix, { force: true }));
    await Promise.allSettled(leftovers);
    throw error;
  }
}

async function makeFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    // `mkdir` says EEXIST when the folder is a regular file; ENOTDIR words it as what it is.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw Object.assign(new Error(`${folder} is a file, not a folder`, { cause: error }), { code: 'ENOTDIR' });
  }
}
