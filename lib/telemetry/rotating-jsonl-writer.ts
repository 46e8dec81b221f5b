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
/** Characters of lines kept before they are written without waiting for `flush()`. */
const flushChars = 64 * 1024;

/**
 * Appends lines to a JSONL file that rotates, as DGT's telemetry files do: before a line would take the file past
 * `maxBytes`, the file is renamed `<name>.<UTC time>.jsonl` (`events.2026-01-15T10-23-14-001Z.jsonl`) and a new one
 * is started; rotated files older than `maxAgeDays` are deleted. The folder and file are made at the first line, so
 * a writer that writes nothing leaves nothing behind. Lines are kept in order and written together (one system call
 * for many: a traces line per LM call must not cost a write each) by `flush()`, once 64 Ki characters wait, and by
 * `close()`.
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
  /** Lines appended and not yet written (without their newlines), and their length in characters. */
  private pending: string[] = [];
  private pendingChars = 0;

  constructor(
    readonly path: string,
    options: RotatingJsonlWriterOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.maxAgeMs = (options.maxAgeDays ?? 14) * dayMs;
    this.now = options.now ?? Date.now;
  }

  /**
   * Appends one line (a newline is added); it is written by the next `flush()` (at once when 64 Ki characters wait).
   * The file is opened at the first line, so a folder that cannot be made or a file that cannot be opened throws here.
   * @throws {DatastoreError} when the folder or file cannot be made or opened, or a flush fails
   */
  append(line: string): void {
    if (this.descriptor === undefined) this.open();
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= flushChars) this.flush();
  }

  /**
   * Writes the lines appended so far, in order, rotating first whenever the next line would take the file past
   * `maxBytes` (a line longer than that still goes whole into a file of its own).
   * @throws {DatastoreError} when the file cannot be written or rotated
   */
  flush(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    if (this.descriptor === undefined) this.open();
    // Mostly they all fit: one text, encoded once. Else line by line, to rotate between the right two.
    const encoded = Buffer.from(`${lines.join('\n')}\n`);
    if (this.size + encoded.length <= this.maxBytes) this.write(encoded);
    else this.writeRotating(lines);
  }

  /** Writes `lines`, rotating before each one that would take the file past `maxBytes`. */
  private writeRotating(lines: readonly string[]): void {
    let chunk = '';
    let chunkBytes = 0;
    for (const line of lines) {
      const text = `${line}\n`;
      const bytes = Buffer.byteLength(text);
      if (this.size + chunkBytes > 0 && this.size + chunkBytes + bytes > this.maxBytes) {
        this.write(Buffer.from(chunk));
        [chunk, chunkBytes] = ['', 0];
        if (this.size > 0) this.rotate();
      }
      chunk += text;
      chunkBytes += bytes;
    }
    this.write(Buffer.from(chunk));
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

  private write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    try {
      writeSync(this.descriptor!, bytes);
    } catch (error) {
      throw new DatastoreError(this.path, 'append', error);
    }
    this.size += bytes.length;
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
