import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { DatastoreError } from '../errors/datastore-error.ts';

/**
 * A file rxdgt appends to synchronously, knowing its size: every append writes all of its bytes (a short write, as
 * a nearly full disk gives, is continued until done or failed) and a failed append is cut back off, so the file
 * never keeps part of a line. Synchronous writes land in the page cache in microseconds and survive the death of the
 * process; they keep the order of commits trivially.
 */
export class AppendFile {
  private fd: number | undefined;
  private bytes = 0;

  constructor(readonly path: string) {}

  /** Bytes in the file (after the appends made through this object). */
  get size(): number {
    this.open();
    return this.bytes;
  }

  /** Appends `text`. @throws {DatastoreError} when the disk refuses it; the file is then as it was. */
  append(text: string): void {
    if (text === '') return;
    const fd = this.open();
    const bytes = Buffer.byteLength(text, 'utf8');
    try {
      // The text is written as it is (no copy into a buffer first); a short write goes on from the bytes it left.
      let written = writeSync(fd, text, null, 'utf8');
      if (written < bytes) {
        const buffer = Buffer.from(text, 'utf8');
        while (written < bytes) {
          const count = writeSync(fd, buffer, written, bytes - written);
          if (count <= 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
          written += count;
        }
      }
    } catch (error) {
      this.truncate(this.bytes);
      throw new DatastoreError(this.path, 'append', error);
    }
    this.bytes += bytes;
  }

  /** Cuts the file to `bytes` (best effort after a failed write: the failure reported is the write's). */
  truncate(bytes: number): void {
    try {
      ftruncateSync(this.open(), bytes);
      this.bytes = bytes;
    } catch {
      // The caller reports the write that failed.
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, 'a');
        this.bytes = fstatSync(this.fd).size;
      } catch (error) {
        throw new DatastoreError(this.path, 'open for appending', error);
      }
    }
    return this.fd;
  }
}
