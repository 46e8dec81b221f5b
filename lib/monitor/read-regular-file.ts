import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/**
 * Opens `path` read-only for `read` when it is a regular file reached without a symbolic link, and closes it after;
 * undefined when it is missing, a link, or anything else (a FIFO is opened non-blocking, so it cannot hang the reader).
 * The monitor reads every file of an output folder through it: nothing outside the folder is reached by a link.
 *
 * ## Example
 * ```ts
 * const size = await readRegularFile('/out/geo/data.jsonl', async (_file, bytes) => bytes); // undefined when missing
 * ```
 */
export async function readRegularFile<T>(path: string, read: (file: FileHandle, size: number, inode: number) => Promise<T>): Promise<T | undefined> {
  let file: FileHandle;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const stats = await file.stat();
    return stats.isFile() ? await read(file, stats.size, stats.ino) : undefined;
  } finally {
    await file.close();
  }
}
