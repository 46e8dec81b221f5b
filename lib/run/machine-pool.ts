import { fold32, hash32Prefix } from '../random.ts';
import type { DataPoint } from '../record.ts';
import { SequenceTable } from '../sequence-table.ts';
import { idField } from '../store/ledger.ts';
import { fnv1a64, fnv1a64Continue, fnv1a64ContinueHex } from '../text/fnv1a-64.ts';

/** A made record ranked for the pool: its priority and content hash (see `MachinePool.records`). */
interface Candidate {
  readonly priority: number;
  readonly high: number;
  readonly low: number;
  readonly made: DataPoint;
}

/**
 * The machine-made records a generation task mixes into its batches: a uniform sample of at most `size` distinct
 * records, kept as those with the lowest priorities, where a record's priority is a hash of the run's seed and the
 * record's content. A record joins once the input that made it is below the `line` (the caller keeps the line two
 * rounds of concurrency behind the input it draws for, and waits for every input below it). Nothing in that depends
 * on the order records arrive in, nor on which of two equal records a dedupe kept (both are offered: the kept one
 * and the one rejected as its duplicate), so with a seeded run every draw is the same on every run.
 */
export class MachinePool {
  /**
   * The kept records, sorted by priority, then key (see `compare`): the order draws index into. Column by column, so
   * a search reads numbers side by side and a draw reads the records' array alone: each record's priority, and the
   * FNV-1a 64 of its JSON without the id (its identity in the pool) as two 32-bit halves.
   */
  private readonly records: DataPoint[] = [];
  private readonly priorities: Uint32Array;
  private readonly highs: Uint32Array;
  private readonly lows: Uint32Array;
  /**
   * Ranked records of inputs at or above the line, by sequence: they join when the line passes them. (A
   * `SequenceTable`, not a `Map`: an entry in and out per input, see the README's Architecture section.)
   */
  private readonly waiting = new SequenceTable<Candidate[]>();
  private line = Number.NEGATIVE_INFINITY;
  /** The indexes a draw picked (see `draw`). */
  private picked = new Uint32Array(0);
  private readonly hash = new Uint32Array(2);
  private readonly priorityHash = new Uint32Array(2);
  /** FNV-1a 64 of the run seed's part of a priority (`hash32(runSeed, key)` hashes `<runSeed>\0<key>`). */
  private readonly seedHash: Uint32Array;

  constructor(
    runSeed: number,
    private readonly size = 1000,
  ) {
    this.seedHash = hash32Prefix(runSeed);
    // One slot more than kept: a record joining a full pool is placed before the last one leaves.
    this.priorities = new Uint32Array(size + 1);
    this.highs = new Uint32Array(size + 1);
    this.lows = new Uint32Array(size + 1);
  }

  get length(): number {
    return this.records.length;
  }

  /**
   * Records made by the input `sequence` (-1 for records of an older run whose input is unknown: they join at once).
   * `texts`, when given, are `JSON.stringify` of the first records (as the ledger wrote them): not made again. Each
   * record is ranked now, while its text is at hand; one that ranks below a full pool's last entry can never join (a
   * full pool's last entry only moves up), so only the others wait for the line.
   */
  add(sequence: number, records: readonly DataPoint[], texts: readonly string[] = []): void {
    for (let index = 0; index < records.length; index += 1) {
      const candidate = this.rank(records[index]!, texts[index]);
      if (candidate === undefined) continue;
      if (sequence < this.line) {
        this.place(candidate);
        continue;
      }
      const waiting = this.waiting.get(sequence);
      if (waiting) waiting.push(candidate);
      else this.waiting.set(sequence, [candidate]);
    }
  }

  /** Lets in the records of every input below `line`. */
  raiseLine(line: number): void {
    if (line <= this.line) return;
    const from = this.line;
    this.line = line;
    // The line moves up one input at a time as inputs are issued: look at those it passed, not at every waiting one.
    if (this.waiting.size === 0) return;
    if (Number.isFinite(from) && line - from <= this.waiting.size) {
      for (let sequence = from; sequence < line; sequence += 1) this.letIn(sequence);
    } else {
      for (const sequence of this.waiting.keys()) if (sequence < line) this.letIn(sequence);
    }
  }

  /** Moves the records of the input `sequence` from waiting into the pool. */
  private letIn(sequence: number): void {
    const waiting = this.waiting.get(sequence);
    if (!waiting) return;
    this.waiting.delete(sequence);
    for (const candidate of waiting) this.place(candidate);
  }

  /** `count` records drawn without replacement with `random` (all of them when there are fewer), appended to `into`. */
  draw(count: number, random: () => number, into: DataPoint[] = []): DataPoint[] {
    const records = this.records;
    if (records.length <= count) {
      for (const record of records) into.push(record);
      return into;
    }
    // Indexes in the order first drawn, a repeat drawn again (a few among many: a list beats a set), in a list the
    // pool keeps for its draws.
    if (this.picked.length < count) this.picked = new Uint32Array(count);
    const picked = this.picked;
    let drawn = 0;
    while (drawn < count) {
      const index = Math.floor(random() * records.length);
      let repeat = false;
      for (let at = 0; at < drawn && !repeat; at += 1) repeat = picked[at] === index;
      if (!repeat) {
        picked[drawn] = index;
        drawn += 1;
      }
    }
    for (let at = 0; at < count; at += 1) into.push(records[picked[at]!]!);
    return into;
  }

  /** A made record's rank, or undefined when it ranks at or below a full pool's last entry. */
  private rank(made: DataPoint, text: string | undefined): Candidate | undefined {
    // Examples carry what was made, not which input made it: two equal records are one.
    const hash = hashWithoutId(made, text, this.hash);
    const high = hash[0]!;
    const low = hash[1]!;
    const priority = this.priorityOf(high, low);
    const length = this.records.length;
    // Once the pool is full, most records rank below its last entry: they leave here.
    if (length >= this.size && this.compare(priority, high, low, length - 1) >= 0) return undefined;
    return { priority, high, low, made };
  }

  /** Puts a ranked record in its place, unless the pool has it already or it no longer ranks above a full pool's last. */
  private place({ priority, high, low, made }: Candidate): void {
    const length = this.records.length;
    if (length >= this.size && this.compare(priority, high, low, length - 1) >= 0) return;
    let lowIndex = 0;
    let highIndex = length;
    while (lowIndex < highIndex) {
      const middle = (lowIndex + highIndex) >>> 1;
      if (this.compare(priority, high, low, middle) < 0) highIndex = middle;
      else lowIndex = middle + 1;
    }
    // An equal record has the same hash, so the same priority: it sits right before where this one would go.
    if (lowIndex > 0 && this.highs[lowIndex - 1] === high && this.lows[lowIndex - 1] === low) return;
    this.priorities.copyWithin(lowIndex + 1, lowIndex, length);
    this.highs.copyWithin(lowIndex + 1, lowIndex, length);
    this.lows.copyWithin(lowIndex + 1, lowIndex, length);
    this.priorities[lowIndex] = priority;
    this.highs[lowIndex] = high;
    this.lows[lowIndex] = low;
    this.records.splice(lowIndex, 0, withoutId(made));
    if (length + 1 > this.size) this.records.pop();
  }

  /** Orders a record against the entry at `index`: by priority, then by key text (made only for equal priorities). */
  private compare(priority: number, high: number, low: number, index: number): number {
    const other = this.priorities[index]!;
    if (priority !== other) return priority - other;
    const key = keyOf(high, low);
    const otherKey = keyOf(this.highs[index]!, this.lows[index]!);
    return key < otherKey ? -1 : key > otherKey ? 1 : 0;
  }

  /**
   * A record's priority: `hash32(runSeed, key)` of its key `<high hex>:<low hex>`, hashed on from the seed's part
   * (made once) without making the key's text.
   */
  private priorityOf(high: number, low: number): number {
    const hash = this.priorityHash;
    hash.set(this.seedHash);
    fnv1a64ContinueHex(low, fnv1a64Continue(':', fnv1a64ContinueHex(high, hash)));
    return fold32(hash[0]!, hash[1]!);
  }
}

/** The text a record's priority hashes: its content hash as `<high hex>:<low hex>`. */
function keyOf(high: number, low: number): string {
  return `${high.toString(16)}:${low.toString(16)}`;
}

/**
 * FNV-1a 64 of a made record's JSON text without its input id, into `into`: what the pool keys records by. The id
 * is a record's last field (the ledger stamps it last, and files keep that order), so the text is the record's own
 * (`text`, `JSON.stringify(made)` as the ledger wrote it, when given), hashed up to the id's member and then its
 * closing brace: no copy of the text, and no look at the record. A record shaped otherwise is copied without its id.
 */
function hashWithoutId(made: DataPoint, text: string | undefined, into: Uint32Array): Uint32Array {
  const full = text ?? JSON.stringify(made);
  const member = idMemberAt(full, made[idField]);
  if (member !== -1) return fnv1a64Continue('}', fnv1a64Continue(full, fnv1a64('', into), 0, member));
  return fnv1a64(idField in made ? JSON.stringify(withoutId(made)) : full, into);
}

/** How the id's member starts in a record's JSON text: `,"rxdgt_id":`. */
const idMemberStart = `,${JSON.stringify(idField)}:`;
const quote = 0x22;
const backslash = 0x5c;
const closingBrace = 0x7d;

/**
 * {@link lastIdMemberAt}, looked up where the member must start when the record's id is a string JSON writes as it is
 * (`<sequence>-<hex>`, as the ledger stamps ids): no search of the text. Anything else is searched for.
 */
function idMemberAt(text: string, id: unknown): number {
  if (typeof id !== 'string' || !writtenAsIs(id)) return lastIdMemberAt(text);
  // `,"rxdgt_id":"<id>"}` ends the text.
  const start = text.length - idMemberStart.length - id.length - 3;
  const value = start + idMemberStart.length;
  const found =
    start > 0 &&
    text.startsWith(idMemberStart, start) &&
    text.charCodeAt(value) === quote &&
    text.startsWith(id, value + 1) &&
    text.charCodeAt(text.length - 2) === quote &&
    text.charCodeAt(text.length - 1) === closingBrace;
  return found ? start : lastIdMemberAt(text);
}

/** Whether JSON writes a string as it is between its quotes: no quote, backslash, control character or surrogate. */
function writtenAsIs(text: string): boolean {
  for (let at = 0; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code < 0x20 || code === quote || code === backslash || (code >= 0xd800 && code <= 0xdfff)) return false;
  }
  return true;
}

/**
 * Where the id's member starts in a record's JSON text when it is the record's last member, with a string value (as
 * the ledger stamps ids); -1 otherwise. Read from the text alone: the member's name is followed by one JSON string
 * and the closing brace of the record. (Inside a JSON string a quote is escaped, so the name found is a member's.)
 */
function lastIdMemberAt(text: string): number {
  const start = text.lastIndexOf(idMemberStart);
  if (start === -1) return -1;
  // Where the value's closing quote must be: right before the record's closing brace.
  const end = text.length - 2;
  let at = start + idMemberStart.length;
  if (at >= end || text.charCodeAt(at) !== quote) return -1;
  for (at += 1; at < end; at += 1) {
    const code = text.charCodeAt(at);
    if (code === backslash) at += 1;
    else if (code === quote) return -1;
  }
  return at === end && text.charCodeAt(end) === quote && text.charCodeAt(end + 1) === closingBrace ? start : -1;
}

/** A made record without its input id (a copy when it has one). */
function withoutId(made: DataPoint): DataPoint {
  if (!(idField in made)) return made;
  const { [idField]: _id, ...record } = made;
  return record as DataPoint;
}
