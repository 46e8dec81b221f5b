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
   * Decides one record with `decide` (called again after each replay) and appends its entry; resolves the last
   * decision. One record at a time: a call while another is pending throws.
   */
  async decide<Decision>(decide: () => KeptLogDecision<Decision>): Promise<Decision> {
    if (this.#busy) throw new Error('KeptLogCursor: `decide` was called while another decision was pending');
    this.#busy = true;
    try {
      for (;;) {
        const { decision, entry } = decide();
        if (entry === undefined) return decision;
        const newer = await this.#log.append(this.#seen, entry);
        if (newer?.length === 0) throw new Error(`KeptLogCursor: the kept log refused an append at ${this.#seen} entries but gave no newer entry`);
        for (const each of newer ?? [entry]) this.#replay(each);
        this.#seen += newer?.length ?? 1;
        if (newer === undefined) return decision;
      }
    } finally {
      this.#busy = false;
    }
  }
}
