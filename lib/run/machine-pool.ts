import { hash32 } from '../random.ts';
import type { DataPoint } from '../record.ts';
import { idField } from '../store/ledger.ts';
import { fnv1a64 } from '../text/fnv1a-64.ts';

interface Entry {
  readonly priority: number;
  readonly key: string;
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
  /** Sorted by priority, then key: the order draws index into. */
  private readonly entries: Entry[] = [];
  private readonly keys = new Set<string>();
  /** Records of inputs at or above the line, by sequence, with their JSON texts when known: they join when the line passes them. */
  private readonly waiting = new Map<number, { records: DataPoint[]; texts: (string | undefined)[] }>();
  private line = Number.NEGATIVE_INFINITY;
  private readonly hash = new Uint32Array(2);

  constructor(
    private readonly runSeed: number,
    private readonly size = 1000,
  ) {}

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
      records.forEach((record, index) => this.insert(record, texts[index]));
      return;
    }
    let waiting = this.waiting.get(sequence);
    if (!waiting) this.waiting.set(sequence, (waiting = { records: [], texts: [] }));
    records.forEach((record, index) => {
      waiting.records.push(record);
      waiting.texts.push(texts[index]);
    });
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
    waiting.records.forEach((record, index) => this.insert(record, waiting.texts[index]));
  }

  /** `count` records drawn without replacement with `random` (all of them when there are fewer). */
  draw(count: number, random: () => number): DataPoint[] {
    const entries = this.entries;
    if (entries.length <= count) return entries.map((entry) => entry.record);
    // Indexes in the order first drawn, a repeat drawn again (a few among many: a list beats a set).
    const picked: number[] = [];
    while (picked.length < count) {
      const index = Math.floor(random() * entries.length);
      if (!picked.includes(index)) picked.push(index);
    }
    const records: DataPoint[] = new Array(count);
    for (let at = 0; at < count; at += 1) records[at] = entries[picked[at]!]!.record;
    return records;
  }

  private insert(made: DataPoint, text: string | undefined): void {
    // Examples carry what was made, not which input made it: two equal records are one.
    const [high, low] = fnv1a64(textWithoutId(made, text), this.hash);
    const key = `${high!.toString(16)}:${low!.toString(16)}`;
    if (this.keys.has(key)) return;
    const priority = hash32(this.runSeed, key);
    const entries = this.entries;
    const last = entries.at(-1);
    if (entries.length >= this.size && last && compare(priority, key, last) >= 0) return;
    let lowIndex = 0;
    let highIndex = entries.length;
    while (lowIndex < highIndex) {
      const middle = (lowIndex + highIndex) >>> 1;
      if (compare(priority, key, entries[middle]!) < 0) highIndex = middle;
      else lowIndex = middle + 1;
    }
    entries.splice(lowIndex, 0, { priority, key, record: withoutId(made) });
    this.keys.add(key);
    if (entries.length > this.size) this.keys.delete(entries.pop()!.key);
  }
}

function compare(priority: number, key: string, entry: Entry): number {
  return priority - entry.priority || (key < entry.key ? -1 : key > entry.key ? 1 : 0);
}

/**
 * The JSON text of a made record without its input id: what the pool hashes. The id is a record's last field (the
 * ledger stamps it last, and files keep that order), so the text is the record's own (`text`, as the ledger wrote
 * it, when given) with the id's member cut off its end, not a copy's; a record shaped otherwise is copied without its id.
 */
function textWithoutId(made: DataPoint, text: string | undefined): string {
  const id = made[idField];
  if (id === undefined) return text ?? JSON.stringify(made);
  const full = text ?? JSON.stringify(made);
  const member = `,${JSON.stringify(idField)}:${JSON.stringify(id)}}`;
  if (full.endsWith(member) && lastKey(made) === idField) return `${full.slice(0, full.length - member.length)}}`;
  return JSON.stringify(withoutId(made));
}

/** A made record without its input id (a copy when it has one). */
function withoutId(made: DataPoint): DataPoint {
  if (!(idField in made)) return made;
  const { [idField]: _id, ...record } = made;
  return record as DataPoint;
}

/** The last own enumerable key of a record, without listing them all. */
function lastKey(record: DataPoint): string | undefined {
  let last: string | undefined;
  for (const key in record) last = key;
  return last;
}
