import { fnv1a64 } from './fnv1a-64.ts';
import { HashSet64 } from './hash-set-64.ts';

/**
 * The kept texts of one exact dedupe, compared after trimming: only the 64-bit FNV-1a hash of each is kept, in a
 * {@link HashSet64} (16 to 32 bytes per kept text, however long). Two different texts sharing a hash would make the
 * later a false duplicate: about k²/2⁶⁵ over k kept texts, 3·10⁻⁸ at a million.
 *
 * ## Example
 * ```ts
 * const texts = new ExactTextSet();
 * texts.admit('What is the capital of France?'); // undefined: kept
 * texts.admit('  What is the capital of France?\n'); // 1: a duplicate
 * texts.admit('what is the capital of france?'); // undefined: case counts
 * const other = new ExactTextSet();
 * other.addEntry(texts.entryOf('What is the capital of France?')); // as another process replays a shared log
 * other.find('What is the capital of France? '); // 1
 * ```
 */
export class ExactTextSet {
  #hashes = new HashSet64();
  #hash = new Uint32Array(2);

  /** Number of distinct texts kept. */
  get size(): number {
    return this.#hashes.size;
  }

  /** Keeps `text` unless it is already kept; returns 1 for a duplicate, `undefined` when kept. */
  admit(text: string): number | undefined {
    return this.#keep(text) ? undefined : 1;
  }

  /** 1 when `text` is kept, else `undefined`; keeps nothing. */
  find(text: string): number | undefined {
    fnv1a64(text.trim(), this.#hash);
    return this.#hashes.has(this.#hash[0]!, this.#hash[1]!) ? 1 : undefined;
  }

  /** Keeps `text` (state rebuilt from records restored on resume). */
  add(text: string): void {
    this.#keep(text);
  }

  /** The 8 bytes a shared kept log holds for `text`: its hash, high word first (big-endian). */
  entryOf(text: string): Uint8Array {
    fnv1a64(text.trim(), this.#hash);
    const entry = new Uint8Array(8);
    const view = new DataView(entry.buffer);
    view.setUint32(0, this.#hash[0]!);
    view.setUint32(4, this.#hash[1]!);
    return entry;
  }

  /** Keeps the text whose {@link entryOf} is `entry` (an entry of a shared kept log). */
  addEntry(entry: Uint8Array): void {
    if (entry.byteLength !== 8) throw new TypeError(`ExactTextSet: a kept-log entry is 8 bytes, received ${entry.byteLength}`);
    const view = new DataView(entry.buffer, entry.byteOffset, 8);
    this.#hashes.add(view.getUint32(0), view.getUint32(4));
  }

  /** Drops every kept text and gives the memory back. */
  clear(): void {
    this.#hashes.clear();
  }

  #keep(text: string): boolean {
    fnv1a64(text.trim(), this.#hash);
    return this.#hashes.add(this.#hash[0]!, this.#hash[1]!);
  }
}
