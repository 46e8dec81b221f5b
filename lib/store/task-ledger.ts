import { addUsage } from '../outcome.ts';
import { hashHex } from '../random.ts';
import type { DataPoint, Outcome, Rejected, Usage } from '../record.ts';
import { addOutcomeShare } from './share-sum.ts';
import { type LedgerStore, type LedgerSummary, type RestoredRecord, type Settlement, type Ticket, idField, settledBelowOf } from './ledger.ts';

/** Settings of a task's ledger. */
export interface LedgerOptions {
  readonly taskName: string;
  /** Accepted records wanted: records past it are not written. @default Infinity (a transformation) */
  readonly target?: number;
  /** Most inputs in flight at once (issued and not yet committed). */
  readonly concurrency: number;
  /** The dataloader position to save with a commit, given the first input not yet settled. */
  readonly positionOf?: (settledBelow: number) => unknown;
  /** What the input is (a fingerprint of a transformation's files or rows), saved with every commit. */
  readonly input?: string | undefined;
  /** Runs a commit soon after an input settles; commits of the same turn are written together. @default setImmediate */
  readonly schedule?: (commit: () => void) => void;
  /**
   * Told of each settlement as it is committed, in order, before any promise resolves: the place to count. `texts`
   * are the JSON texts of its records as written (`JSON.stringify`), for a caller that hashes them.
   */
  readonly onCommit?: (settlement: Settlement, texts: readonly string[]) => void;
}

/**
 * What a task run counts and writes per input, over a ledger store (JSONL files or SQLite). It issues tickets
 * (`<sequence>-<hash>` ids, the same on every run for the same input), takes the builder's outcomes, settles an input
 * once its outcomes' shares add up to one, and commits settled inputs (records, rejections and the dataloader
 * position together) in one atomic write per turn. It says how many more inputs may start (`room`), caps records at
 * the target, and restores what earlier runs committed.
 */
export interface Ledger {
  /** What earlier runs committed (after the store repaired a crash). */
  readonly summary: LedgerSummary;
  /** Records committed, this run's included; records queued for the next commit are not. */
  readonly records: number;
  /** Inputs issued and not yet committed. */
  readonly inFlight: number;
  /** Every input below this sequence is committed (this run's commits included). */
  readonly settledBelow: number;
  /** The error of a commit that failed: nothing is committed after it. */
  readonly failure: unknown;
  /** Records earlier runs committed, streamed in commit order (after this run's commits: every record). */
  restored(): AsyncIterable<RestoredRecord>;
  /** Copies every committed record as JSONL to `path`, byte for byte, when the store keeps them so; false otherwise. */
  copyRecordsAsJsonl(path: string): boolean;
  /** Whether an earlier run settled the input with this sequence. */
  isSettled(sequence: number): boolean;
  /** Issues the input with this sequence; `key` is what the input is (its seed draw or data row), which its id hashes. */
  issue(sequence: number, key: string): Ticket;
  /**
   * Takes one outcome of an issued input. Once the input's outcomes are complete, resolves when they are committed,
   * with what was kept; undefined while more outcomes of the input are due.
   * @throws {Error} for an outcome of an input not in flight, or shares adding up to more than one (a builder bug)
   */
  offer(outcome: Outcome<DataPoint>): Promise<Settlement> | undefined;
  /** How many more inputs may start now: within the concurrency, and within the records still needed. */
  room(): number;
  /** Commits what is settled now, synchronously (a failure rejects their promises and is kept in `failure`). */
  flush(): void;
  /** Commits what is settled and releases the store; inputs not settled are issued again by the next run. */
  close(): void;
}

interface OpenInput {
  readonly ticket: Ticket;
  readonly outcomes: Outcome<DataPoint>[];
  numerator: number;
  denominator: number;
}

interface Queued {
  readonly settlement: Settlement;
  readonly resolve: (settlement: Settlement) => void;
  readonly reject: (error: unknown) => void;
}

/** Opens a task's ledger over a store. */
export function createLedger(store: LedgerStore, options: LedgerOptions): Ledger {
  return new StoreLedger(store, options);
}

class StoreLedger implements Ledger {
  private readonly open = new Map<string, OpenInput>();
  private queue: Queued[] = [];
  private queuedRecords = 0;
  private scheduled = false;
  failure: unknown;
  private committed: LedgerSummary;
  readonly summary: LedgerSummary;
  /** Inputs an earlier run left unsettled below its `next`: issued again. */
  private readonly unsettledEarlier: ReadonlySet<number>;
  private readonly target: number;

  constructor(
    private readonly store: LedgerStore,
    private readonly options: LedgerOptions,
  ) {
    this.summary = store.summary;
    this.committed = store.summary;
    this.unsettledEarlier = new Set(store.summary.unsettled);
    this.target = options.target ?? Number.POSITIVE_INFINITY;
  }

  get records(): number {
    return this.committed.records;
  }

  get inFlight(): number {
    return this.open.size + this.queue.length;
  }

  restored(): AsyncIterable<RestoredRecord> {
    return this.store.records();
  }

  get settledBelow(): number {
    return settledBelowOf(this.committed);
  }

  copyRecordsAsJsonl(path: string): boolean {
    return this.store.copyRecordsAsJsonl?.(path) ?? false;
  }

  isSettled(sequence: number): boolean {
    return sequence < this.summary.next && !this.unsettledEarlier.has(sequence);
  }

  issue(sequence: number, key: string): Ticket {
    const ticket: Ticket = { id: `${sequence}-${hashHex(`${this.options.taskName}\u0000${sequence}\u0000${key}`)}`, sequence };
    this.open.set(ticket.id, { ticket, outcomes: [], numerator: 0, denominator: 1 });
    return ticket;
  }

  room(): number {
    const slots = this.options.concurrency - this.inFlight;
    const needed = this.target - this.committed.records - this.queuedRecords - this.open.size;
    return Math.max(0, Math.min(slots, needed));
  }

  offer(outcome: Outcome<DataPoint>): Promise<Settlement> | undefined {
    const input = this.open.get(outcome.id);
    if (!input) throw new Error(`the builder emitted an outcome of input \`${outcome.id}\`, which is not in flight (settled already, or never issued)`);
    input.outcomes.push(outcome);
    if (!addOutcomeShare(input, outcome)) return undefined;
    this.open.delete(outcome.id);
    return this.settle(input);
  }

  flush(): void {
    this.scheduled = false;
    const queue = this.queue;
    if (queue.length === 0) return;
    this.queue = [];
    const settlements = queue.map(({ settlement }) => settlement);
    this.queuedRecords -= settlements.reduce((sum, { records }) => sum + records.length, 0);
    // Each record is made JSON once: the store writes the text, and the run hashes it for its example pool.
    const texts = settlements.map(({ records }) => records.map((record) => JSON.stringify(record)));
    try {
      if (this.failure !== undefined) throw this.failure;
      const summary = this.advance(settlements);
      this.store.commit({
        records: settlements.flatMap(({ records }) => records),
        recordTexts: texts.flat(),
        rejections: settlements.flatMap(({ rejections }) => rejections.map((rejection) => ({ block: rejection.issues[0]?.block ?? 'unknown', line: rejectionLine(rejection) }))),
        summary,
      });
      this.committed = summary;
    } catch (error) {
      // Nothing of this batch is committed; later commits would sit on a gap, so the ledger stops here.
      this.failure ??= error;
      for (const { reject } of queue) reject(error);
      return;
    }
    settlements.forEach((settlement, index) => this.options.onCommit?.(settlement, texts[index]!));
    for (const { settlement, resolve } of queue) resolve(settlement);
  }

  close(): void {
    this.flush();
    this.store.close();
  }

  private settle(input: OpenInput): Promise<Settlement> {
    const { ticket, outcomes } = input;
    const room = Math.max(0, this.target - this.committed.records - this.queuedRecords);
    // One pass over the outcomes: records stamped with the input's id (up to the room left), rejections, usage.
    const records: DataPoint[] = [];
    const rejections: Rejected[] = [];
    let accepted = 0;
    let usage: Usage | undefined;
    for (const outcome of outcomes) {
      usage = addUsage(usage, outcome.usage);
      if (outcome.status === 'rejected') rejections.push(outcome);
      else if (outcome.status === 'accepted') {
        accepted += 1;
        if (records.length < room) records.push(stamped(outcome.record, ticket.id));
      }
    }
    const worker = outcomes[0]?.worker;
    const settlement: { -readonly [K in keyof Settlement]: Settlement[K] } = { ticket, records, rejections, beyondTarget: accepted - records.length, usage };
    if (worker !== undefined) settlement.worker = worker;
    this.queuedRecords += records.length;
    return new Promise<Settlement>((resolve, reject) => {
      this.queue.push({ settlement, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      (this.options.schedule ?? setImmediate)(() => this.flush());
    });
  }

  /** The summary once these settlements are committed: counts, `next`, and the inputs below it still in flight. */
  private advance(settlements: readonly Settlement[]): LedgerSummary {
    const done = new Set(settlements.map(({ ticket }) => ticket.sequence));
    const next = Math.max(this.committed.next, ...[...done].map((sequence) => sequence + 1));
    // Below `next`: what was unsettled before, plus everything issued from the old `next` on, but for what settled now.
    const unsettled = new Set(this.committed.unsettled);
    for (const { ticket } of this.open.values()) if (ticket.sequence < next) unsettled.add(ticket.sequence);
    for (const { settlement } of this.queue) if (settlement.ticket.sequence < next) unsettled.add(settlement.ticket.sequence);
    for (const sequence of done) unsettled.delete(sequence);
    for (const sequence of unsettled) if (sequence >= next) unsettled.delete(sequence);
    return {
      records: this.committed.records + settlements.reduce((sum, { records }) => sum + records.length, 0),
      rejected: this.committed.rejected + settlements.reduce((sum, { rejections }) => sum + rejections.length, 0),
      next,
      unsettled: [...unsettled].sort((left, right) => left - right),
      position: this.options.positionOf?.(unsettled.size > 0 ? Math.min(...unsettled) : next),
      ...(this.options.input === undefined ? {} : { input: this.options.input }),
    };
  }
}

/**
 * A copy of an accepted record with its input's id as its last field (or in its place, when the record has one). A
 * copy with the id set after it, not a spread with the id: V8 makes the latter on a slow path (about 1 µs a record).
 */
function stamped(record: DataPoint, id: string): DataPoint {
  const copy: Record<string, unknown> = Object.assign({}, record);
  copy[idField] = id;
  return copy as DataPoint;
}

/** A rejection as its block's log keeps it: the record (a generation input's seed batch left out), its input id and the issues. */
function rejectionLine(rejection: Rejected): Readonly<Record<string, unknown>> {
  const source = (typeof rejection.record === 'object' && rejection.record !== null ? rejection.record : { value: rejection.record }) as Record<string, unknown>;
  // A copy with fields set after it (see `stamped`); a record with a seed batch is copied without it.
  let line: Record<string, unknown>;
  if (Object.hasOwn(source, 'examples')) {
    const { examples: _examples, ...record } = source;
    line = record;
  } else line = Object.assign({}, source);
  line[idField] = rejection.id;
  line['issues'] = rejection.issues;
  return line;
}
