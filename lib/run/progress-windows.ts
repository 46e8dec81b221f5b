import { getField } from '../text/field-path.ts';

/**
 * A window over a task's latest work that a stop criterion reads (`StopCriterion.windows`): the last `size` settled
 * inputs, each 1 when it made a record (`acceptance`), or the numbers at `field` of the last `size` accepted records
 * (`score`). The task's progress keeps every window its criteria name, in a ring buffer of `size` numbers: memory
 * does not grow with the run.
 */
export type ProgressWindow =
  | { readonly kind: 'acceptance'; readonly size: number }
  | { readonly kind: 'score'; readonly field: string; readonly size: number };

/** What one window holds at one reading of the progress. */
export interface WindowReading {
  /** Entries in the window: the last `size` (or fewer) of `total`. */
  readonly count: number;
  /** Their sum: inputs that made a record (`acceptance`), or scores (`score`). */
  readonly sum: number;
  /** Entries since the run started. */
  readonly total: number;
  /** Left out since the run started: inputs lost to a failed LM call (`acceptance`), accepted records without a number at the field (`score`). */
  readonly skipped: number;
}

/** Every window of a progress, by {@link windowKey}. */
export type WindowReadings = Readonly<Record<string, WindowReading>>;

/** What one settled input adds to the windows: whether it made a record, was lost to an LM failure, and its records. */
export interface WindowInput {
  readonly made: boolean;
  readonly lostToFailure: boolean;
  readonly records: readonly unknown[];
}

/** The key of a window in {@link WindowReadings}: `acceptance:200`, `score:100:judge_score`. */
export function windowKey(window: ProgressWindow): string {
  return window.kind === 'acceptance' ? `acceptance:${window.size}` : `score:${window.size}:${window.field}`;
}

/** The last `capacity` numbers pushed, their sum (recomputed every lap, so rounding never drifts) and counts. */
class Ring {
  private readonly values: Float64Array;
  private next = 0;
  private count = 0;
  private sum = 0;
  private total = 0;
  private skipped = 0;

  constructor(readonly window: ProgressWindow) {
    this.values = new Float64Array(window.size);
  }

  push(value: number): void {
    if (this.count === this.values.length) this.sum -= this.values[this.next] as number;
    else this.count += 1;
    this.values[this.next] = value;
    this.sum += value;
    this.total += 1;
    this.next = (this.next + 1) % this.values.length;
    if (this.next === 0) this.sum = this.values.reduce((sum, entry) => sum + entry, 0);
  }

  skip(): void {
    this.skipped += 1;
  }

  reading(): WindowReading {
    return { count: this.count, sum: this.sum, total: this.total, skipped: this.skipped };
  }
}

/** The rings behind a chain of readings; `version` counts the advances, to refuse a second advance from an old reading. */
interface Tracker {
  readonly rings: readonly Ring[];
  version: number;
}

const trackers = new WeakMap<WindowReadings, { readonly tracker: Tracker; readonly version: number }>();

function readingsOf(tracker: Tracker): WindowReadings {
  const readings: WindowReadings = Object.fromEntries(tracker.rings.map((ring) => [windowKey(ring.window), ring.reading()]));
  trackers.set(readings, { tracker, version: tracker.version });
  return readings;
}

/** Empty readings of the given windows (one ring per distinct window), or undefined for none. */
export function openWindows(windows: readonly ProgressWindow[]): WindowReadings | undefined {
  if (windows.length === 0) return undefined;
  const distinct = new Map(windows.map((window) => [windowKey(window), window]));
  return readingsOf({ rings: [...distinct.values()].map((window) => new Ring(window)), version: 0 });
}

/**
 * The readings after one more settled input. Readings are snapshots: an older one keeps its numbers. A chain of
 * readings advances from its latest only (the rings are shared along it).
 *
 * @throws {Error} when `readings` is not the latest of its chain
 */
export function advanceWindows(readings: WindowReadings | undefined, input: WindowInput): WindowReadings | undefined {
  if (readings === undefined) return undefined;
  const entry = trackers.get(readings);
  if (entry === undefined) return readings;
  const { tracker, version } = entry;
  if (version !== tracker.version) throw new Error('a task progress was advanced twice from one reading: its windows follow one chain of readings');
  for (const ring of tracker.rings) {
    if (ring.window.kind === 'acceptance') {
      if (input.lostToFailure) ring.skip();
      else ring.push(input.made ? 1 : 0);
    } else {
      for (const record of input.records) {
        const score = numberAt(record, ring.window.field);
        if (score === undefined) ring.skip();
        else ring.push(score);
      }
    }
  }
  tracker.version += 1;
  return readingsOf(tracker);
}

/** The number at `path` of a record (a number, or a string that is one: a judge's raw answer), else undefined. */
function numberAt(record: unknown, path: string): number | undefined {
  let value: unknown;
  try {
    value = getField(record, path, { strict: false });
  } catch {
    return undefined;
  }
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}
