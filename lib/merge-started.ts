import { Observable, type OperatorFunction, type Subscriber, takeWhile } from 'rxjs';

/** Who hears of one piece of work {@link mergeStarted} started: its values, then its end, or an error that ends the stream. */
export interface StartedSink<R> {
  next(value: R): void;
  error(error: unknown): void;
  complete(): void;
}

/** What cancels a piece of work that needs no cancelling (it ended as it started). */
export const noCancel = (): void => undefined;

/**
 * `mergeMap(project, concurrent)` for work that a function starts, not an Observable per value: `start(value, sink)`
 * begins the work for one value and returns what cancels it; the work tells `sink` its values, then `complete` (or
 * `error`, which ends the stream). At most `concurrent` pieces run at once; later values wait, in order. The stream
 * completes once the source has and every piece has ended; unsubscribing cancels every piece still running. For a
 * call per record (an LM block's): one small object per value, where `mergeMap` makes an Observable, a subscriber
 * and a subscription.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { mergeStarted } from './merge-started.ts';
 * of(1, 2, 3)
 *   .pipe(mergeStarted((n: number, sink) => {
 *     const timer = setTimeout(() => (sink.next(n * 10), sink.complete()), 10);
 *     return () => clearTimeout(timer);
 *   }, 2))
 *   .subscribe(console.log); // 10, 20, 30
 * ```
 */
export function mergeStarted<T, R>(start: (value: T, sink: StartedSink<R>) => () => void, concurrent: number): OperatorFunction<T, R> {
  return (source) =>
    new Observable<R>((subscriber) => {
      const merge = new Merge(start, concurrent, subscriber);
      // Taken while the stream is open: a synchronous source that goes on after a value was taken downstream (before
      // this subscription is known, so before anything could unsubscribe it) stops at its next value.
      const subscription = source.pipe(takeWhile(() => !subscriber.closed)).subscribe({
        next: (value) => merge.add(value),
        error: (error: unknown) => subscriber.error(error),
        complete: () => merge.sourceEnded(),
      });
      return () => {
        subscription.unsubscribe();
        merge.cancel();
      };
    });
}

/** What a running piece tells of its values and its end. */
interface RunOwner<R> {
  readonly subscriber: Subscriber<R>;
  ended(run: Run<R>): void;
}

/** The state of one subscription of {@link mergeStarted}. */
class Merge<T, R> implements RunOwner<R> {
  /**
   * The pieces running, each at its `index`: a list, not a `Set` (an entry in and out per value: see the README's
   * Architecture section on long-lived `Map`s and `Set`s).
   */
  private readonly running: Run<R>[] = [];
  /** Values waiting for a free place, in order (a few: those past `concurrent`). */
  private readonly waiting: T[] = [];
  private sourceDone = false;
  private torn = false;

  constructor(
    private readonly start: (value: T, sink: StartedSink<R>) => () => void,
    private readonly concurrent: number,
    readonly subscriber: Subscriber<R>,
  ) {}

  add(value: T): void {
    if (this.running.length < this.concurrent && this.waiting.length === 0) this.begin(value);
    else this.waiting.push(value);
  }

  sourceEnded(): void {
    this.sourceDone = true;
    this.completeIfDone();
  }

  /** A piece ended: the next waiting values start. */
  ended(run: Run<R>): void {
    this.remove(run);
    // Taken off the queue as they start: a queue that outlives many values holds none it is done with.
    while (!this.torn && this.running.length < this.concurrent && this.waiting.length > 0) this.begin(this.waiting.shift()!);
    this.completeIfDone();
  }

  /** Cancels every piece still running (the stream ended or was unsubscribed). */
  cancel(): void {
    this.torn = true;
    this.waiting.length = 0;
    const running = this.running.splice(0);
    for (const run of running) run.stop();
  }

  private begin(value: T): void {
    const run = new Run(this, this.running.length);
    this.running.push(run);
    let cancel: () => void;
    try {
      cancel = this.start(value, run);
    } catch (error) {
      // As `mergeMap` does when its project throws: the stream fails.
      this.subscriber.error(error);
      return;
    }
    // Unsubscribed while it started (a synchronous value taken downstream): nothing could cancel it until now.
    if (this.torn) cancel();
    else run.cancel = cancel;
  }

  /** Takes a piece off the list: the last one moves into its place. */
  private remove(run: Run<R>): void {
    const last = this.running.pop()!;
    if (last === run) return;
    this.running[run.index] = last;
    last.index = run.index;
  }

  private completeIfDone(): void {
    if (this.sourceDone && this.running.length === 0 && this.waiting.length === 0) this.subscriber.complete();
  }
}

/** One running piece: the sink its work tells, until it ends. */
class Run<R> implements StartedSink<R> {
  cancel: (() => void) | undefined;
  private done = false;

  constructor(
    private readonly merge: RunOwner<R>,
    /** Its place in its merge's list of running pieces. */
    public index: number,
  ) {}

  next(value: R): void {
    if (!this.done) this.merge.subscriber.next(value);
  }

  error(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.merge.subscriber.error(error);
  }

  complete(): void {
    if (this.done) return;
    this.done = true;
    this.merge.ended(this);
  }

  /** Cancels the work, which is heard of no more. */
  stop(): void {
    if (this.done) return;
    this.done = true;
    this.cancel?.();
  }
}
