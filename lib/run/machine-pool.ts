import { fold32 } from '../random.ts';
import type { DataPoint } from '../record.ts';
import { idField } from '../store/ledger.ts';
import { fnv1a64, fnv1a64Continue, fnv1a64ContinueHex } from '../text/fnv1a-64.ts';

interface Entry {
  readonly priority: number;
  /** FNV-1a 64 of the record's JSON without its id, as two 32-bit halves: its identity in the pool. */
  readonly high: number;
  readonly low: number;
  readonly record: DataPoint;
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
  /** Sorted by priority, then key (see `compare`): the order draws index into. */
  private readonly entries: Entry[] = [];
  /** Records of inputs at or above the line, by sequence, with their JSON texts when known: they join when the line passes them. */
  private readonly waiting = new Map<number, { records: DataPoint[]; texts: (string | undefined)[] }>();
  private line = Number.NEGATIVE_INFINITY;
  private readonly hash = new Uint32Array(2);
  private readonly priorityHash = new Uint32Array(2);
  /** FNV-1a 64 of the run seed's part of a priority (`hash32(runSeed, key)` hashes `<runSeed>\0<key>`). */
  private readonly seedHash: Uint32Array;

  constructor(
    runSeed: number,
    private readonly size = 1000,
  ) {
    this.seedHash = fnv1a64(`${runSeed}\u0000`);
  }

  get length(): number {
    return this.entries.length;
  }

  /**
   * Records made by the input `sequence` (-1 for records of an older run whose input is unknown: they join at once).
   * `texts`, when given, are `JSON.stringify` of the first records (as the ledger wrote them): not made again.
   */
  add(sequence: number, records: readonly DataPoint[], texts: readonly string[] = []): void {
    if (records.length === 0) return;
    if (sequence < this.line) {
      for (let index = 0; index < records.length; index += 1) this.insert(records[index]!, texts[index]);
      return;
    }
    let waiting = this.waiting.get(sequence);
    if (!waiting) this.waiting.set(sequence, (waiting = { records: [], texts: [] }));
    for (let index = 0; index < records.length; index += 1) {
      waiting.records.push(records[index]!);
      waiting.texts.push(texts[index]);
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
      for (const sequence of [...this.waiting.keys()]) if (sequence < line) this.letIn(sequence);
    }
  }

  /** Moves the records of the input `sequence` from waiting into the pool. */
  private letIn(sequence: number): void {
    const waiting = this.waiting.get(sequence);
    if (!waiting) return;
    this.waiting.delete(sequence);
    for (let index = 0; index < waiting.records.length; index += 1) this.insert(waiting.records[index]!, waiting.texts[index]);
  }

  /** `count` records drawn without replacement with `random` (all of them when there are fewer), appended to `into`. */
  draw(count: number, random: () => number, into: DataPoint[] = []): DataPoint[] {
    const entries = this.entries;
    if (entries.length <= count) {
      for (const entry of entries) into.push(entry.record);
      return into;
    }
    // Indexes in the order first drawn, a repeat drawn again (a few among many: a list beats a set).
    const picked: number[] = [];
    while (picked.length < count) {
      const index = Math.floor(random() * entries.length);
      if (!picked.includes(index)) picked.push(index);
    }
    for (const index of picked) into.push(entries[index]!.record);
    return into;
  }

  private insert(made: DataPoint, text: string | undefined): void {
    // Examples carry what was made, not which input made it: two equal records are one.
    const hash = hashWithoutId(made, text, this.hash);
    const high = hash[0]!;
    const low = hash[1]!;
    const priority = this.priorityOf(high, low);
    const entries = this.entries;
    // Once the pool is full, most records rank below its last entry: they leave here, before any search.
    if (entries.length >= this.size && compare(priority, high, low, entries[entries.length - 1]!) >= 0) return;
    let lowIndex = 0;
    let highIndex = entries.length;
    while (lowIndex < highIndex) {
      const middle = (lowIndex + highIndex) >>> 1;
      if (compare(priority, high, low, entries[middle]!) < 0) highIndex = middle;
      else lowIndex = middle + 1;
    }
    // An equal record has the same hash, so the same priority: it sits right before where this one would go.
    const before = entries[lowIndex - 1];
    if (before && before.high === high && before.low === low) return;
    entries.splice(lowIndex, 0, { priority, high, low, record: withoutId(made) });
    if (entries.length > this.size) entries.pop();
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

/** Orders by priority, then by key text (`<high hex>:<low hex>`, made only for equal priorities). */
function compare(priority: number, high: number, low: number, entry: Entry): number {
  if (priority !== entry.priority) return priority - entry.priority;
  const key = keyOf(high, low);
  const other = keyOf(entry.high, entry.low);
  return key < other ? -1 : key > other ? 1 : 0;
}

/** The text a record's priority hashes: its content hash as `<high hex>:<low hex>`. */
function keyOf(high: number, low: number): string {
  return `${high.toString(16)}:${low.toString(16)}`;
}

/**
 * FNV-1a 64 of a made record's JSON text without its input id, into `into`: what the pool keys records by. The id
 * is a record's last field (the ledger stamps it last, and files keep that order), so the text is the record's own
 * (`text`, `JSON.stringify(made)` as the ledger wrote it, when given), hashed up to the id's member and then its
 * closing brace: no copy of the text. A text ending with the id's member has the id last (inside a JSON string, a
 * quote is escaped); a record shaped otherwise is copied without its id.
 */
function hashWithoutId(made: DataPoint, text: string | undefined, into: Uint32Array): Uint32Array {
  const id = made[idField];
  const full = text ?? JSON.stringify(made);
  if (id === undefined) return fnv1a64(full, into);
  const member = `,${idMember}${JSON.stringify(id)}}`;
  if (!full.endsWith(member)) return fnv1a64(JSON.stringify(withoutId(made)), into);
  fnv1a64Continue(full, fnv1a64('', into), 0, full.length - member.length);
  return fnv1a64Continue('}', into);
}

/** The id's name as a JSON member starts: `"rxdgt_id":`. */
const idMember = `${JSON.stringify(idField)}:`;

/** A made record without its input id (a copy when it has one). */
function withoutId(made: DataPoint): DataPoint {
  if (!(idField in made)) return made;
  const { [idField]: _id, ...record } = made;
  return record as DataPoint;
}
