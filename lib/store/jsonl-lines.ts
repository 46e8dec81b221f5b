import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';

/** A complete line of a file: its text (without the newline) and where the next line starts. */
export interface Line {
  readonly text: string;
  /** 1-based line number. */
  readonly number: number;
  /** Byte offset just past this line's newline. */
  readonly end: number;
}

/**
 * Streams the complete lines of the first `limit` bytes of a file (all of it by default), in 1 MiB reads: memory
 * stays bounded by the longest line. A last line without its newline is not yielded: `torn` tells whether one was
 * left, and where complete lines end.
 */
export async function* readLines(path: string, limit?: number, torn?: { end: number; torn: boolean }): AsyncGenerator<Line> {
  if (limit === 0) return;
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(limit === undefined ? {} : { end: limit - 1 }) });
  let rest: Buffer = Buffer.alloc(0);
  let offset = 0;
  let number = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buffer = rest.length > 0 ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let newline = buffer.indexOf(10); newline !== -1; newline = buffer.indexOf(10, start)) {
      number += 1;
      yield { text: buffer.toString('utf8', start, newline), number, end: offset + newline + 1 };
      start = newline + 1;
    }
    offset += start;
    rest = buffer.subarray(start);
  }
  if (torn) {
    torn.end = offset;
    torn.torn = rest.length > 0;
  }
}

/**
 * The last complete line of a file and where it starts, reading backwards from the end in 64 KiB steps; `end` is
 * where complete lines end (a torn last line starts there). Undefined `text` when the file has no complete line.
 */
export function readLastLine(path: string): { readonly text: string | undefined; readonly start: number; readonly end: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let end = -1;
    let chunks: Buffer[] = [];
    for (let position = size; position > 0; ) {
      const length = Math.min(1 << 16, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      chunks = [chunk, ...chunks];
      const text = Buffer.concat(chunks);
      const base = position;
      if (end === -1) {
        const last = text.lastIndexOf(10);
        if (last === -1) continue;
        end = base + last + 1;
      }
      const before = text.lastIndexOf(10, end - base - 2);
      if (before !== -1 || position === 0) {
        const start = before === -1 ? 0 : base + before + 1;
        return { text: text.toString('utf8', start - base, end - base - 1), start, end };
      }
    }
    return { text: undefined, start: 0, end: end === -1 ? 0 : end };
  } finally {
    closeSync(fd);
  }
}
