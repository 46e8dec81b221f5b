import { createHash } from 'node:crypto';
import type { SharedKeptLog } from './dedupe-sharing.ts';

/** One decision of a dedupe block, and the entry to append to the kept log when it keeps the record. */
export interface KeptLogDecision<Decision> {
  readonly decision: Decision;
  /** What the record adds to the kept state; `undefined` when it keeps nothing (a rejected duplicate). */
  readonly entry: Uint8Array | undefined;
}

/**
 * One subscription's place in a {@link SharedKeptLog}: its local state (a hash set, an index, vector rows) holds
 * exactly the log's first `seen` entries, in log order, so every process decides as a single process would. A record
 * is decided against the local state; when it is kept, its entry is appended if the log has not grown meanwhile,
 * else the newer entries are replayed and the record decided again. A rejection needs no round trip: entries are
 * only ever appended, so a duplicate of the first `seen` entries stays a duplicate.
 *
 * ## Example
 * ```ts
 * const hashes = new ExactTextSet();
 * const cursor = new KeptLogCursor(log, (entry) => hashes.addEntry(entry));
 * const kept = await cursor.decide(() => {
 *   const duplicate = hashes.find(text) !== undefined;
 *   return { decision: !duplicate, entry: duplicate ? undefined : hashes.entryOf(text) };
 * }); // true: appended, and in `hashes`; false: another process kept the text first
 * ```
 */
export class KeptLogCursor {
  readonly #log: SharedKeptLog;
  readonly #replay: (entry: Uint8Array) => void;
  /** The input that appended each of the latest entries, by entry (see {@link KeptLogCursor.ownerOf}). */
  readonly #owners = new Map<string, string>();
  #seen = 0;
  #busy = false;

  /** `replay` adds one entry (another process's, or this one's once appended) to the local state. */
  constructor(log: SharedKeptLog, replay: (entry: Uint8Array) => void) {
    this.#log = log;
    this.#replay = replay;
  }

  /** Entries of the log the local state holds. */
  get seen(): number {
    return this.#seen;
  }

  /**
   * The input (its id) that appended `entry`, among the latest {@link ownersKept} entries: an input run again (its
   * worker died after the append, or its job was retried) finds its own record there, which is not a duplicate.
   */
  ownerOf(entry: Uint8Array): string | undefined {
    return this.#owners.get(entryKey(entry));
  }

  /**
   * Decides one record of input `owner` with `decide` (called again after each replay) and appends its entry; resolves
   * the last decision. One record at a time: a call while another is pending throws.
   */
  async decide<Decision>(owner: string, decide: () => KeptLogDecision<Decision>): Promise<Decision> {
    if (this.#busy) throw new Error('KeptLogCursor: `decide` was called while another decision was pending');
    this.#busy = true;
    try {
      for (;;) {
        const { decision, entry } = decide();
        if (entry === undefined) return decision;
        const newer = await this.#log.append(this.#seen, ownedEntry(owner, entry));
        if (newer?.length === 0) throw new Error(`KeptLogCursor: the kept log refused an append at ${this.#seen} entries but gave no newer entry`);
        if (newer === undefined) this.#take(owner, entry);
        else for (const each of newer) this.#take(...readOwnedEntry(each));
        this.#seen += newer?.length ?? 1;
        if (newer === undefined) return decision;
      }
    } finally {
      this.#busy = false;
    }
  }

  #take(owner: string, entry: Uint8Array): void {
    this.#replay(entry);
    this.#owners.set(entryKey(entry), owner);
    // The oldest owners go: a retry comes within minutes, while its input is among the latest.
    if (this.#owners.size > ownersKept) this.#owners.delete(this.#owners.keys().next().value as string);
  }
}

/** Owners of entries a cursor remembers. */
export const ownersKept = 100_000;

/**
 * Names each record a dedupe block sees by its input and its place among that input's records (`<input id>#<n>`):
 * the owner of the entry it keeps. An input run again makes the same names, so its records find their own entries;
 * two equal records of one input are still two names, and the second a duplicate. Remembers the latest inputs only.
 *
 * ## Example
 * ```ts
 * const owners = recordOwners();
 * owners('3-ab'); // '3-ab#0'
 * owners('3-ab'); // '3-ab#1'
 * ```
 */
export function recordOwners(): (inputId: string) => string {
  const counts = new Map<string, number>();
  return (inputId) => {
    const count = counts.get(inputId) ?? 0;
    counts.set(inputId, count + 1);
    if (counts.size > ownersKept) counts.delete(counts.keys().next().value as string);
    return `${inputId}#${count}`;
  };
}

/** An entry as it is in the log: its owner's length (2 bytes), the owner (UTF-8), then the entry. */
function ownedEntry(owner: string, entry: Uint8Array): Uint8Array {
  const name = Buffer.from(owner, 'utf8');
  const owned = Buffer.allocUnsafe(2 + name.length + entry.length);
  owned.writeUInt16BE(name.length, 0);
  name.copy(owned, 2);
  owned.set(entry, 2 + name.length);
  return owned;
}

function readOwnedEntry(owned: Uint8Array): [owner: string, entry: Uint8Array] {
  const bytes = Buffer.from(owned.buffer, owned.byteOffset, owned.byteLength);
  const length = bytes.readUInt16BE(0);
  return [bytes.toString('utf8', 2, 2 + length), owned.subarray(2 + length)];
}

/** A map key of an entry: short ones as they are, long ones (texts) by a hash. */
function entryKey(entry: Uint8Array): string {
  const bytes = Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength);
  return bytes.length <= 32 ? bytes.toString('base64') : createHash('sha256').update(bytes).digest('base64');
}
