import { Subject, type Subscription } from 'rxjs';
import type { DataPoint, Outcome, Restored } from '../record.ts';
import type { Builder } from '../run/task-options.ts';
import { type ShareSum, addOutcomeShare } from '../store/share-sum.ts';

/** An input in the builder, waiting for its outcomes. */
interface OpenInput extends ShareSum {
  readonly outcomes: Outcome<DataPoint>[];
  readonly resolve: (outcomes: Outcome<DataPoint>[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * A task's builder kept subscribed in a worker, as it is in a task run: inputs of many jobs go into one pipeline (so
 * an LM block's batching and a block's state work as in one process), and each job gets its input's outcomes back
 * once their shares add up to one. Records restored on resume go through first, for the blocks that keep state.
 *
 * ## Example
 * ```ts
 * const pipeline = new InputPipeline(builder);
 * const outcomes = await pipeline.process({ status: 'accepted', id: '0-ab12', record: input });
 * pipeline.close();
 * ```
 */
export class InputPipeline {
  private readonly inputs = new Subject<Outcome<unknown>>();
  private readonly open = new Map<string, OpenInput>();
  private readonly subscription: Subscription;
  /** Restored records that came out of the builder, and the waits for a count of them. */
  private restoredOut = 0;
  private restoredIn = 0;
  private readonly restoring: { readonly until: number; readonly resolve: () => void; readonly reject: (error: unknown) => void }[] = [];
  /** Why the pipeline cannot take inputs any more (the builder failed or completed). */
  private failure: Error | undefined;

  constructor(builder: Builder<never>, subscribe: (start: () => Subscription) => Subscription = (start) => start()) {
    this.subscription = subscribe(() =>
      this.inputs.pipe(builder as Builder<unknown>).subscribe({
        next: (outcome) => this.settle(outcome),
        error: (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))),
        complete: () => this.fail(new Error('the builder completed while the worker still had inputs for it')),
      }),
    );
  }

  /** Whether the pipeline still takes inputs (a builder that failed is made anew for the next job). */
  get usable(): boolean {
    return this.failure === undefined;
  }

  /** Runs one input (an `accepted` outcome from the coordinator) through the builder; resolves with its outcomes. */
  process(input: Outcome<unknown>): Promise<Outcome<DataPoint>[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.open.has(input.id)) return Promise.reject(new Error(`input \`${input.id}\` is already in this worker's builder`));
    const settled = new Promise<Outcome<DataPoint>[]>((resolve, reject) => this.open.set(input.id, { outcomes: [], numerator: 0, denominator: 1, resolve, reject }));
    this.inputs.next(input);
    return settled;
  }

  /** Passes records an earlier run made through the builder (blocks that keep state learn them); resolves once they came out. */
  restore(records: readonly Restored[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.restoredIn += records.length;
    const done = new Promise<void>((resolve, reject) => this.restoring.push({ until: this.restoredIn, resolve, reject }));
    for (const record of records) this.inputs.next(record);
    this.releaseRestores();
    return done;
  }

  /** Lets go of the builder: inputs still in it fail. */
  close(): void {
    this.fail(new Error('the worker is closing'));
    this.subscription.unsubscribe();
  }

  private settle(outcome: Outcome<DataPoint>): void {
    if (outcome.status === 'restored') {
      this.restoredOut += 1;
      this.releaseRestores();
      return;
    }
    const input = this.open.get(outcome.id);
    if (!input) return this.fail(new Error(`the builder emitted an outcome of input \`${outcome.id}\`, which it was not given (or which settled already)`));
    input.outcomes.push(outcome);
    let settled: boolean;
    try {
      settled = addOutcomeShare(input, outcome);
    } catch (error) {
      return this.fail(error as Error);
    }
    if (!settled) return;
    this.open.delete(outcome.id);
    input.resolve(input.outcomes);
  }

  private releaseRestores(): void {
    while (this.restoring.length > 0 && this.restoring[0]!.until <= this.restoredOut) this.restoring.shift()!.resolve();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const input of this.open.values()) input.reject(error);
    this.open.clear();
    for (const wait of this.restoring.splice(0)) wait.reject(error);
  }
}
