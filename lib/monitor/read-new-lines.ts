import type { FileHandle } from 'node:fs/promises';
import { readRegularFile } from './read-regular-file.ts';

/** A line longer than this (bytes) is counted but not kept: its text is `undefined`. */
const maxLineBytes = 8 << 20;
const chunkBytes = 1 << 20;

/** What {@link readNewLines} calls: `reset` first when the file was cut or replaced, then `line` per complete line. */
export interface NewLineHandler {
  /** The file no longer continues what was read (it shrank, or the byte before `from` is no newline): reading starts over. */
  reset(): void;
  /** One complete line without its newline; `undefined` when longer than 8 MiB (counted, not kept). */
  line(text: string | undefined): void;
}

/**
 * Reads the complete lines a file gained since byte `from`, for a monitor that reads files another process appends to:
 * a torn last line (a crash, or a write under way) is left for the next read. Returns where complete lines end, the
 * next read's `from`; undefined when the file is missing or is no regular file. Read-only, and the file is opened
 * with `O_NOFOLLOW`: a symbolic link is not followed. Memory stays bounded by a 1 MiB read and the longest line kept.
 *
 * ## Example
 * ```ts
 * let from = 0;
 * from = (await readNewLines('/out/geo/data.jsonl', from, { reset: () => (count = 0), line: () => (count += 1) })) ?? 0;
 * ```
 */
export function readNewLines(path: string, from: number, handler: NewLineHandler, seen: { inode?: number | undefined } = {}): Promise<number | undefined> {
  return readRegularFile(path, async (file, size, inode) => {
    let position = from;
    // Another file at the path (deleted and made again: a restart) is read from its start, however long it grew.
    const replaced = seen.inode !== undefined && seen.inode !== inode;
    seen.inode = inode;
    if (replaced || from > size || (from > 0 && !(await endsLine(file, from)))) {
      handler.reset();
      position = 0;
    }
    const buffer = Buffer.alloc(chunkBytes);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let end = position;
    while (position < size) {
      const { bytesRead } = await file.read(buffer, 0, Math.min(chunkBytes, size - position), position);
      if (bytesRead === 0) break;
      let start = 0;
      for (let newline = buffer.indexOf(10, 0); newline !== -1 && newline < bytesRead; newline = buffer.indexOf(10, start)) {
        const tooLong = pendingBytes + newline - start > maxLineBytes;
        handler.line(tooLong ? undefined : Buffer.concat([...pending, buffer.subarray(start, newline)]).toString('utf8'));
        pending = [];
        pendingBytes = 0;
        start = newline + 1;
        end = position + start;
      }
      if (start < bytesRead && pendingBytes <= maxLineBytes) {
        pending.push(Buffer.from(buffer.subarray(start, bytesRead)));
      }
      pendingBytes += bytesRead - start;
      position += bytesRead;
    }
    return end;
  });
}

/** Whether the byte before `offset` is a newline: the file still continues the lines read up to there. */
async function endsLine(file: FileHandle, offset: number): Promise<boolean> {
  const byte = Buffer.alloc(1);
  const { bytesRead } = await file.read(byte, 0, 1, offset - 1);
  return bytesRead === 1 && byte[0] === 10;
}
