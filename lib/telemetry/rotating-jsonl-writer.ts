import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { DatastoreError } from '../errors/datastore-error.ts';

/** Settings of a {@link RotatingJsonlWriter}. */
export interface RotatingJsonlWriterOptions {
  /** The file is rotated before a line would take it past this many bytes. @default 104857600 (100 MB, as DGT) */
  readonly maxBytes?: number | undefined;
  /** Rotated files last changed longer ago than this are deleted (when the writer opens and at each rotation). @default 14 */
  readonly maxAgeDays?: number | undefined;
  /** The clock (ms since the epoch): names rotated files and ages them. @default Date.now */
  readonly now?: (() => number) | undefined;
}

const dayMs = 24 * 60 * 60 * 1000;
/** Bytes of lines kept before they are written without waiting for `flush()`. */
const bufferBytes = 64 * 1024;
/** The most UTF-8 bytes one UTF-16 code unit takes (a surrogate pair takes 4 for its 2 units). */
const maxBytesPerUnit = 3;

/**
 * Appends lines to a JSONL file that rotates, as DGT's telemetry files do: before a line would take the file past
 * `maxBytes`, the file is renamed `<name>.<UTC time>.jsonl` (`events.2026-01-15T10-23-14-001Z.jsonl`) and a new one
 * is started; rotated files older than `maxAgeDays` are deleted. The folder and file are made at the first line, so
 * a writer that writes nothing leaves nothing behind. Lines are encoded as they come into one buffer and written
 * together (one system call for many: a traces line per LM call must not cost a write each, nor a joined copy) by
 * `flush()`, once the buffer (64 KiB) cannot take the next line, and by `close()`.
 *
 * ## Example
 * ```ts
 * const writer = new RotatingJsonlWriter('telemetry/events.jsonl', { maxBytes: 1024 });
 * writer.append(JSON.stringify({ event: 'run_started' }));
 * writer.close(); // flushes
 * ```
 */
export class RotatingJsonlWriter {
  private descriptor: number | undefined;
  private size = 0;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** The lines appended and not yet written, as UTF-8 with their newlines: `buffer[0, used)`. */
  private readonly buffer = Buffer.allocUnsafe(bufferBytes);
  private used = 0;

  constructor(
    readonly path: string,
    options: RotatingJsonlWriterOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.maxAgeMs = (options.maxAgeDays ?? 14) * dayMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * Appends one line (a newline is added); it is written by the next `flush()`, or at once with the lines before it
   * when the buffer may not have room for it (counted at 3 bytes per UTF-16 unit). The file is opened at the first
   * line, so a folder that cannot be made or a file that cannot be opened throws here. The file rotates first when
   * this line would take it past `maxBytes` (a line longer than that still goes whole into a file of its own).
   * @param ascii the line is known to hold only ASCII characters: copied a byte per character, not encoded
   * @throws {DatastoreError} when the folder or file cannot be made or opened, or a write or rotation fails
   */
  append(line: string, ascii = false): void {
    if (this.descriptor === undefined) this.open();
    if ((line.length + 1) * maxBytesPerUnit > bufferBytes - this.used) {
      this.flush();
      // A line longer than the buffer is written on its own.
      if ((line.length + 1) * maxBytesPerUnit > bufferBytes) {
        const encoded = Buffer.from(`${line}\n`);
        this.rotateFor(encoded.length);
        this.writeBytes(encoded);
        return;
      }
    }
    const start = this.used;
    const end = start + (ascii ? this.buffer.write(line, start, 'latin1') : this.buffer.write(line, start));
    this.buffer[end] = 0x0a;
    this.used = end + 1;
    const bytes = this.used - start;
    if (this.size + this.used <= this.maxBytes || this.size + start === 0) return;
    // The lines before this one fill the file: they are written, then the file rotates, and this line starts the next.
    // Nothing is pending while they go out: a write that fails loses them (the telemetry stops) rather than writing
    // them twice, and a rotation that fails leaves this line alone pending.
    this.used = 0;
    this.writeBytes(this.buffer.subarray(0, start));
    this.buffer.copyWithin(0, start, start + bytes);
    this.used = bytes;
    if (this.size > 0) this.rotate();
  }

  /** Writes the lines appended so far, in order. @throws {DatastoreError} when the file cannot be written */
  flush(): void {
    if (this.used === 0) return;
    if (this.descriptor === undefined) this.open();
    const used = this.used;
    this.used = 0;
    this.writeBytes(this.buffer.subarray(0, used));
  }

  /** Rotates before `bytes` more would take a file that holds something past `maxBytes`. */
  private rotateFor(bytes: number): void {
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
  }

  /** Writes the waiting lines and closes the file; a later `append` opens it again. */
  close(): void {
    this.flush();
    this.closeFile();
  }

  private closeFile(): void {
    if (this.descriptor === undefined) return;
    const descriptor = this.descriptor;
    this.descriptor = undefined;
    try {
      closeSync(descriptor);
    } catch (error) {
      throw new DatastoreError(this.path, 'close', error);
    }
  }

  /** Writes every one of `bytes` (a short write is continued). */
  private writeBytes(bytes: Uint8Array): void {
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.descriptor!, bytes, written, bytes.length - written);
    } catch (error) {
      throw new DatastoreError(this.path, 'append', error);
    } finally {
      this.size += written;
    }
  }

  private open(): void {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      this.descriptor = openSync(this.path, 'a');
      this.size = fstatSync(this.descriptor).size;
    } catch (error) {
      throw new DatastoreError(this.path, 'open', error);
    }
    this.prune();
  }

  private rotate(): void {
    this.closeFile();
    const stem = join(dirname(this.path), basename(this.path, extname(this.path)));
    const stamp = new Date(this.now()).toISOString().replace(/[:.]/g, '-');
    let target = `${stem}.${stamp}${extname(this.path)}`;
    for (let copy = 1; existsSync(target); copy += 1) target = `${stem}.${stamp}-${copy}${extname(this.path)}`;
    try {
      renameSync(this.path, target);
    } catch (error) {
      throw new DatastoreError(this.path, 'rotate', error);
    }
    this.open();
  }

  /** Deletes the rotated files of this one older than `maxAgeMs`; one that cannot be read or deleted is left alone. */
  private prune(): void {
    const extension = extname(this.path);
    const prefix = `${basename(this.path, extension)}.`;
    const cutoff = this.now() - this.maxAgeMs;
    let names: string[];
    try {
      names = readdirSync(dirname(this.path));
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith(extension) || name === basename(this.path)) continue;
      const rotated = join(dirname(this.path), name);
      try {
        if (statSync(rotated).mtimeMs < cutoff) unlinkSync(rotated);
      } catch {
        // Another process pruned it first, or it is not ours to delete: telemetry must not stop the run for it.
      }
    }
  }
}
