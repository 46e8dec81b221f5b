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
  /** Records of inputs at or above the line, by sequence: they join when the line passes them. */
  private readonly waiting = new Map<number, DataPoint[]>();
  private line = Number.NEGATIVE_INFINITY;
  private readonly hash = new Uint32Array(2);

  constructor(
    private readonly runSeed: number,
    private readonly size = 1000,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  /** Records made by the input `sequence` (-1 for records of an older run whose input is unknown: they join at once). */
  add(sequence: number, records: readonly DataPoint[]): void {
    if (records.length === 0) return;
    if (sequence < this.line) for (const record of records) this.insert(record);
    else this.waiting.set(sequence, [...(this.waiting.get(sequence) ?? []), ...records]);
  }

  /** Lets in the records of every input below `line`. */
  raiseLine(line: number): void {
    if (line <= this.line) return;
    const from = this.line;
    this.line = line;
    // The line moves up one input at a time as inputs are issued: look at those it passed, not at every waiting one.
    const passed = Number.isFinite(from) && line - from <= this.waiting.size ? range(from, line) : [...this.waiting.keys()].filter((sequence) => sequence < line);
    for (const sequence of passed) {
      const records = this.waiting.get(sequence);
      if (!records) continue;
      this.waiting.delete(sequence);
      for (const record of records) this.insert(record);
    }
  }

  /** `count` records drawn without replacement with `random` (all of them when there are fewer). */
  draw(count: number, random: () => number): DataPoint[] {
    if (this.entries.length <= count) return this.entries.map((entry) => entry.record);
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(random() * this.entries.length));
    return [...picked].map((index) => this.entries[index]!.record);
  }

  private insert(made: DataPoint): void {
    // Examples carry what was made, not which input made it: two equal records are one.
    const { [idField]: _id, ...record } = made;
    const [high, low] = fnv1a64(JSON.stringify(record), this.hash);
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
    entries.splice(lowIndex, 0, { priority, key, record: record as DataPoint });
    this.keys.add(key);
    if (entries.length > this.size) this.keys.delete(entries.pop()!.key);
  }
}

function compare(priority: number, key: string, entry: Entry): number {
  return priority - entry.priority || (key < entry.key ? -1 : key > entry.key ? 1 : 0);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}
