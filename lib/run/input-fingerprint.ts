import { closeSync, openSync, readSync, statSync } from 'node:fs';
import stableStringify from 'fast-json-stable-stringify';
import { hashHex } from '../random.ts';
import type { Fields } from '../record.ts';
import type { RecordSource } from '../store/sources/record-source.ts';

/** Bytes of each file's head that go into its fingerprint. */
const headBytes = 1 << 16;

/**
 * What a transformation's input is, in a few hex digits: a list's rows, or a source's files by name, size and first
 * 64 KiB. A resume compares it with the one saved at the last commit: rows are skipped by their place, so a changed
 * input (a row inserted, a file added to a glob) would otherwise skip or repeat rows without a word. An edit deep
 * inside a large file that keeps its size is not seen.
 */
export function inputFingerprint(data: readonly Fields[] | RecordSource): string {
  if (Array.isArray(data)) return hashHex(stableStringify(data), 16);
  const parts = (data as RecordSource).files.map((file) => {
    const info = statSync(file);
    if (!info.isFile()) return `${file}:folder`;
    const head = Buffer.alloc(Math.min(headBytes, info.size));
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    return `${file}:${info.size}:${hashHex(head.toString('latin1'), 16)}`;
  });
  return hashHex(parts.join('\n'), 16);
}
