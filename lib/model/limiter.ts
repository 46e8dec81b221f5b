import { Observable, type ObservableInput, type Subscription, defer } from 'rxjs';
import { SlotCount } from './slot-count.ts';

/**
 * A concurrency cap shared by every caller of one engine. `run` wraps an observable factory: the factory
 * is subscribed once a slot is free, and the slot is released when it completes, errors or is
 * unsubscribed. Unsubscribing while still queued leaves the queue without starting anything.
 */
export class Limiter {
  private readonly slots = new SlotCount();
  private readonly queue = new Set<() => void>();

  constructor(readonly limit: number) {}

  /** Requests currently holding a slot. */
  get activeCount(): number {
    return this.slots.active;
  }

  /** Requests waiting for a slot. */
  get pendingCount(): number {
    return this.queue.size;
  }

  run<T>(factory: () => ObservableInput<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      let release: (() => void) | undefined;
      let inner: Subscription | undefined;
      const start = (): void => {
        this.queue.delete(start);
        release = this.slots.take(() => this.next());
        // Its own subscriber, so teardown ends the inner work (aborting its request) before the slot passes on;
        // `defer` turns a throwing factory into an error, which releases the slot like any other.
        inner = defer(factory).subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => subscriber.error(error),
          complete: () => subscriber.complete(),
        });
      };
      if (this.slots.active < this.limit) start();
      else this.queue.add(start);
      return () => {
        this.queue.delete(start);
        inner?.unsubscribe();
        release?.();
      };
    });
  }

  private next(): void {
    const first = this.queue.values().next();
    if (!first.done && this.slots.active < this.limit) first.value();
  }
}
