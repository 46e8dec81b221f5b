import { hash32 } from '../random.ts';
import type { DataPoint } from '../record.ts';

interface Entry {
  readonly priority: number;
  readonly key: string;
  readonly record: DataPoint;
}

/**
 * The machine-made records a generation task mixes into its batches: a uniform sample of at most `size` of them,
 * kept as the records with the lowest priorities, where a record's priority is a hash of the run's seed and its
 * place (input id and index). That sample does not depend on the order records arrive in, and the input with
 * sequence `s` only sees records of inputs below `s - lag` (the `line`), so with a seeded run and a caller that
 * waits for those inputs, every draw is the same on every run, whatever the timing.
 */
export class MachinePool {
  /** Sorted by priority, then key: the order draws index into. */
  private readonly entries: Entry[] = [];
  /** Records of inputs at or above the line, by sequence: they join when the line passes them. */
  private readonly waiting = new Map<number, { readonly id: string; readonly records: readonly DataPoint[] }>();
  private line = 0;

  constructor(
    private readonly runSeed: number,
    private readonly size = 1000,
  ) {}

  get length(): number {
    return this.entries.length;
  }

  /** Records of the input `sequence` (-1 for records whose input is unknown: they join at once). */
  add(sequence: number, id: string, records: readonly DataPoint[]): void {
    if (sequence >= this.line) this.waiting.set(sequence, { id, records });
    else this.insertAll(id, records);
  }

  /** Lets in the records of every input below `line`. */
  raiseLine(line: number): void {
    if (line <= this.line) return;
    this.line = line;
    for (const [sequence, { id, records }] of this.waiting) {
      if (sequence >= line) continue;
      this.waiting.delete(sequence);
      this.insertAll(id, records);
    }
  }

  /** `count` records drawn without replacement with `random` (all of them when there are fewer). */
  draw(count: number, random: () => number): DataPoint[] {
    if (this.entries.length <= count) return this.entries.map((entry) => entry.record);
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(random() * this.entries.length));
    return [...picked].map((index) => this.entries[index]!.record);
  }

  private insertAll(id: string, records: readonly DataPoint[]): void {
    records.forEach((record, index) => this.insert(`${id}#${index}`, record));
  }

  private insert(key: string, record: DataPoint): void {
    const priority = hash32(this.runSeed, key);
    const entries = this.entries;
    const last = entries.at(-1);
    if (entries.length >= this.size && last && compare(priority, key, last) >= 0) return;
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compare(priority, key, entries[middle]!) < 0) high = middle;
      else low = middle + 1;
    }
    entries.splice(low, 0, { priority, key, record });
    if (entries.length > this.size) entries.pop();
  }
}

function compare(priority: number, key: string, entry: Entry): number {
  return priority - entry.priority || (key < entry.key ? -1 : key > entry.key ? 1 : 0);
}
