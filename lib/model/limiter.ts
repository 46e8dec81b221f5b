import { Observable, type ObservableInput, type Subscription, defer } from 'rxjs';
import { SlotCount } from './slot-count.ts';

/**
 * A concurrency cap shared by every caller of one engine. `run` wraps an observable factory: the factory
 * is subscribed once a slot is free, and the slot is released when it completes, errors or is
 * unsubscribed. Unsubscribing while still queued leaves the queue without starting anything.
 */
export class Limiter {
  private readonly slots = new SlotCount();
  /** Calls waiting for a slot, in turn: a list, not a `Set` (an entry in and out per call: see the README's Architecture section). */
  private readonly queue: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Requests currently holding a slot. */
  get activeCount(): number {
    return this.slots.active;
  }

  /** Requests waiting for a slot. */
  get pendingCount(): number {
    return this.queue.length;
  }

  run<T>(factory: () => ObservableInput<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      let inner: Subscription | undefined;
      const release = this.acquire(() => {
        // Its own subscriber, so teardown ends the inner work (aborting its request) before the slot passes on;
        // `defer` turns a throwing factory into an error, which releases the slot like any other.
        inner = defer(factory).subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      });
      return () => {
        inner?.unsubscribe();
        release();
      };
    });
  }

  /**
   * Calls `start` once a slot is free: at once when one is, else in turn. The returned function leaves the queue when
   * `start` has not run yet, and gives the slot back when it has (once; later calls do nothing). What `run` is made
   * of, for callers that drive their work without an Observable per layer; end the work before giving the slot back.
   */
  acquire(start: () => void): () => void {
    let release: (() => void) | undefined;
    const begin = (): void => {
      release = this.slots.take(this.next);
      start();
    };
    if (this.slots.active < this.limit) begin();
    else this.queue.push(begin);
    return () => {
      // Most calls never waited: the queue is only searched for one that may still be in it.
      if (release !== undefined) return release();
      const at = this.queue.indexOf(begin);
      if (at !== -1) this.queue.splice(at, 1);
    };
  }

  /** Starts the first waiting call when a slot is free (made once: a slot is given back per call). */
  private readonly next = (): void => {
    if (this.queue.length === 0 || this.slots.active >= this.limit) return;
    this.queue.shift()!();
  };
}
