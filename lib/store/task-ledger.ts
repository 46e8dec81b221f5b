import { addUsage } from '../outcome.ts';
import { hashHex } from '../random.ts';
import { SequenceTable } from '../sequence-table.ts';
import type { DataPoint, Outcome, Rejected, Usage } from '../record.ts';
import { addOutcomeShare } from './share-sum.ts';
import { type CommitBatch, type LedgerStore, type LedgerSummary, type RestoredRecord, type Settlement, type Ticket, idField, sequenceOfId, settledBelowOf } from './ledger.ts';

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
  /**
   * Issues the input with this sequence; `key` is what the input is (its seed draw or data row), which its id hashes.
   * @throws {Error} for a sequence already in flight (an input plan's bug)
   */
  issue(sequence: number, key: string): Ticket;
  /**
   * Takes one outcome of an issued input; says whether that settled the input. Once the input's outcomes are complete,
   * `listener` (one object for a whole run: no promise per input) is told of their commit, with what was kept, in a
   * microtask after it (when a promise's reaction would run), settlements in commit order.
   * @throws {Error} for an outcome of an input not in flight, or shares adding up to more than one (a builder bug)
   */
  take(outcome: Outcome<DataPoint>, listener: CommitListener): boolean;
  /** How many more inputs may start now: within the concurrency, and within the records still needed. */
  room(): number;
  /** Commits what is settled now, synchronously (a failure is told to their committers and kept in `failure`). */
  flush(): void;
  /** Commits what is settled and releases the store; inputs not settled are issued again by the next run. */
  close(): void;
}

/** Told of a settled input's commit (see `Ledger.take`): the same listener serves every input of a run. */
export interface CommitListener {
  committed(settlement: Settlement): void;
  failed(error: unknown): void;
}

interface OpenInput {
  readonly ticket: Ticket;
  readonly outcomes: Outcome<DataPoint>[];
  numerator: number;
  denominator: number;
}

/** Opens a task's ledger over a store. */
export function createLedger(store: LedgerStore, options: LedgerOptions): Ledger {
  return new StoreLedger(store, options);
}

class StoreLedger implements Ledger {
  /**
   * The inputs in flight, by sequence (not by id: a string key would be one more entry in V8's string table per
   * input). A `SequenceTable`, not a `Map` (an entry in and out per input: see the README's Architecture section).
   */
  private readonly open = new SequenceTable<OpenInput>();
  /** Settled inputs waiting for the next commit, and side by side who is told of it. */
  private queue: Settlement[] = [];
  private told: CommitListener[] = [];
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
    // The input plans issue each sequence once until it settles: a second one would be a bug, not a new input.
    const issued = this.open.get(sequence);
    if (issued !== undefined) throw new Error(`input ${sequence} was issued again while in flight (\`${issued.ticket.id}\`)`);
    this.open.set(sequence, { ticket, outcomes: [], numerator: 0, denominator: 1 });
    return ticket;
  }

  room(): number {
    const slots = this.options.concurrency - this.inFlight;
    const needed = this.target - this.committed.records - this.queuedRecords - this.open.size;
    return Math.max(0, Math.min(slots, needed));
  }

  take(outcome: Outcome<DataPoint>, listener: CommitListener): boolean {
    const input = this.complete(outcome);
    if (input === undefined) return false;
    this.settle(input, listener);
    return true;
  }

  /** Adds an outcome to its input; the input, taken out of the open ones, once its outcomes are complete. */
  private complete(outcome: Outcome<DataPoint>): OpenInput | undefined {
    const sequence = sequenceOfId(outcome.id);
    const input = this.open.get(sequence);
    if (input?.ticket.id !== outcome.id) throw new Error(`the builder emitted an outcome of input \`${outcome.id}\`, which is not in flight (settled already, or never issued)`);
    input.outcomes.push(outcome);
    if (!addOutcomeShare(input, outcome)) return undefined;
    this.open.delete(sequence);
    return input;
  }

  flush(): void {
    this.scheduled = false;
    const settlements = this.queue;
    if (settlements.length === 0) return;
    const told = this.told;
    this.queue = [];
    this.told = [];
    const texts: string[][] = [];
    try {
      if (this.failure !== undefined) throw this.failure;
      // One pass: each record is made JSON once (the store writes the text, and the run hashes it for its example
      // pool). Inside the try: a record that cannot be made JSON fails the commit, and its committers hear of it.
      const records: DataPoint[] = [];
      const recordTexts: string[] = [];
      const rejections: CommitBatch['rejections'][number][] = [];
      for (const settlement of settlements) {
        const own: string[] = [];
        for (const record of settlement.records) {
          const text = JSON.stringify(record);
          records.push(record);
          recordTexts.push(text);
          own.push(text);
        }
        texts.push(own);
        for (const rejection of settlement.rejections) rejections.push({ block: rejection.issues[0]?.block ?? 'unknown', line: rejectionLine(rejection) });
      }
      this.queuedRecords -= records.length;
      const summary = this.advance(settlements, records.length, rejections.length);
      this.store.commit({ records, recordTexts, rejections, summary });
      this.committed = summary;
    } catch (error) {
      // Nothing of this batch is committed; later commits would sit on a gap, so the ledger stops here.
      this.failure ??= error;
      tell(told, (each) => each.failed(error));
      return;
    }
    const onCommit = this.options.onCommit;
    if (onCommit) for (let index = 0; index < settlements.length; index += 1) onCommit(settlements[index]!, texts[index]!);
    tell(told, (each, index) => each.committed(settlements[index]!));
  }

  close(): void {
    this.flush();
    this.store.close();
  }

  private settle(input: OpenInput, told: CommitListener): void {
    const { ticket, outcomes } = input;
    const room = Math.max(0, this.target - this.committed.records - this.queuedRecords);
    // One pass over the outcomes: records stamped with the input's id (up to the room left), rejections, usage.
    const records: DataPoint[] = [];
    let rejections: Rejected[] | undefined;
    let accepted = 0;
    let usage: Usage | undefined;
    for (const outcome of outcomes) {
      usage = addUsage(usage, outcome.usage);
      if (outcome.status === 'rejected') (rejections ??= []).push(outcome);
      else if (outcome.status === 'accepted') {
        accepted += 1;
        if (records.length < room) records.push(stamped(outcome.record, ticket.id));
      }
    }
    const worker = outcomes[0]?.worker;
    const settlement: { -readonly [K in keyof Settlement]: Settlement[K] } = { ticket, records, rejections: rejections ?? noRejections, beyondTarget: accepted - records.length, usage };
    if (worker !== undefined) settlement.worker = worker;
    this.queuedRecords += records.length;
    this.queue.push(settlement);
    this.told.push(told);
    if (this.scheduled) return;
    this.scheduled = true;
    (this.options.schedule ?? setImmediate)(this.scheduledFlush);
  }

  /** `flush` as the scheduler calls it (made once). */
  private readonly scheduledFlush = (): void => this.flush();

  /** The summary once these settlements are committed: counts, `next`, and the inputs below it still in flight. */
  private advance(settlements: readonly Settlement[], records: number, rejected: number): LedgerSummary {
    const done = new Set(settlements.map(({ ticket }) => ticket.sequence));
    const next = Math.max(this.committed.next, ...[...done].map((sequence) => sequence + 1));
    // Below `next`: what was unsettled before, plus everything issued from the old `next` on, but for what settled now.
    const unsettled = new Set(this.committed.unsettled);
    for (const sequence of this.open.keys()) if (sequence < next) unsettled.add(sequence);
    for (const { ticket } of this.queue) if (ticket.sequence < next) unsettled.add(ticket.sequence);
    for (const sequence of done) unsettled.delete(sequence);
    for (const sequence of unsettled) if (sequence >= next) unsettled.delete(sequence);
    return {
      records: this.committed.records + records,
      rejected: this.committed.rejected + rejected,
      next,
      unsettled: [...unsettled].sort((left, right) => left - right),
      position: this.options.positionOf?.(unsettled.size > 0 ? Math.min(...unsettled) : next),
      ...(this.options.input === undefined ? {} : { input: this.options.input }),
    };
  }
}

/** The rejections of an input that has none (most): one array for all of them. */
const noRejections: readonly Rejected[] = Object.freeze([]);

/**
 * Tells each of a commit's settlements' listeners, in commit order, in one microtask: when the commit's synchronous
 * work is done.
 */
function tell(told: readonly CommitListener[], each: (told: CommitListener, index: number) => void): void {
  queueMicrotask(() => {
    for (let index = 0; index < told.length; index += 1) each(told[index]!, index);
  });
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
