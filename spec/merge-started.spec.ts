import { Observable, Subject, firstValueFrom, from, mergeMap, of, range, take, tap, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { type StartedSink, mergeStarted, noCancel } from '../lib/merge-started.ts';

/** Work whose end each test decides: the sinks of the pieces running, and the values whose work was cancelled. */
function controlled() {
  const sinks = new Map<number, StartedSink<string>>();
  const started: number[] = [];
  const cancelled: number[] = [];
  const start = (value: number, sink: StartedSink<string>) => {
    started.push(value);
    sinks.set(value, sink);
    return () => cancelled.push(value);
  };
  const finish = (value: number) => {
    const sink = sinks.get(value)!;
    sinks.delete(value);
    sink.next(`v${value}`);
    sink.complete();
  };
  return { sinks, started, cancelled, start, finish };
}

/** Runs `then` after `hops` microtasks: an order of endings that is the same on every run. */
function later(hops: number, then: () => void): void {
  if (hops === 0) queueMicrotask(then);
  else queueMicrotask(() => later(hops - 1, then));
}

describe('mergeStarted', () => {
  test('runs at most `concurrent` at once; waiting values start in order as places free; completes after the last', () => {
    const work = controlled();
    const source = new Subject<number>();
    const seen: string[] = [];
    let completed = false;
    source.pipe(mergeStarted(work.start, 2)).subscribe({ next: (value) => seen.push(value), complete: () => (completed = true) });
    for (const value of [1, 2, 3, 4]) source.next(value);
    expect(work.started).toEqual([1, 2]);
    work.finish(2);
    expect(work.started).toEqual([1, 2, 3]);
    source.complete();
    work.finish(1);
    work.finish(3);
    expect(completed).toBe(false);
    work.finish(4);
    expect(seen).toEqual(['v2', 'v1', 'v3', 'v4']);
    expect(completed).toBe(true);
    expect(work.cancelled).toEqual([]);
  });

  test('emits what mergeMap emits, in the same order, for work that ends as it starts and work that ends later', async () => {
    const values = Array.from({ length: 50 }, (_, index) => index);
    const viaStart = (value: number, sink: StartedSink<number>) => {
      if (value % 3 === 0) {
        sink.next(value);
        sink.complete();
        return noCancel;
      }
      let live = true;
      later(value % 5, () => live && (sink.next(value), sink.next(-value), sink.complete()));
      return () => (live = false);
    };
    const viaObservable = (value: number) =>
      value % 3 === 0 ? of(value) : new Observable<number>((subscriber) => {
        let live = true;
        later(value % 5, () => live && (subscriber.next(value), subscriber.next(-value), subscriber.complete()));
        return () => (live = false);
      });
    const started = await firstValueFrom(from(values).pipe(mergeStarted(viaStart, 4), toArray()));
    const mapped = await firstValueFrom(from(values).pipe(mergeMap(viaObservable, 4), toArray()));
    expect(started).toEqual(mapped);
    expect(started).toHaveLength(values.length + values.filter((value) => value % 3 !== 0).length);
  });

  test('unsubscribing cancels every running piece and starts no waiting one', () => {
    const work = controlled();
    const subscription = from([1, 2, 3]).pipe(mergeStarted(work.start, 2)).subscribe();
    subscription.unsubscribe();
    expect(work.cancelled.sort()).toEqual([1, 2]);
    expect(work.started).toEqual([1, 2]);
  });

  test('a value taken downstream while its piece starts cancels that piece once it has started', () => {
    const cancelled: number[] = [];
    const seen: number[] = [];
    of(1, 2)
      .pipe(
        mergeStarted((value: number, sink: StartedSink<number>) => {
          sink.next(value);
          return () => cancelled.push(value);
        }, 2),
        take(1),
      )
      .subscribe((value) => seen.push(value));
    expect(seen).toEqual([1]);
    expect(cancelled).toEqual([1]);
  });

  test('a synchronous source stops once its value is taken downstream, as with mergeMap', () => {
    const pulls = (operator: (source: ReturnType<typeof range>) => ReturnType<typeof range>): number => {
      let pulled = 0;
      operator(range(0, 1_000_000).pipe(tap(() => (pulled += 1)))).pipe(take(1)).subscribe();
      return pulled;
    };
    const passed = (value: number, sink: StartedSink<number>) => {
      sink.next(value);
      sink.complete();
      return noCancel;
    };
    expect(pulls(mergeMap((value) => of(value), 4))).toBe(1);
    // One more: the value that finds the stream closed.
    expect(pulls(mergeStarted(passed, 4))).toBe(2);
  });

  test('an error from a piece fails the stream and cancels the others; a start that throws fails it too', () => {
    const work = controlled();
    const errors: unknown[] = [];
    from([1, 2, 3]).pipe(mergeStarted(work.start, 3)).subscribe({ error: (error) => errors.push(error) });
    work.sinks.get(2)!.error(new Error('fatal'));
    expect(errors).toEqual([new Error('fatal')]);
    expect(work.cancelled.sort()).toEqual([1, 3]);
    // A piece told of after the stream failed is heard no more.
    work.sinks.get(1)!.next('late');

    const thrown: unknown[] = [];
    of(1).pipe(mergeStarted(() => {
      throw new Error('cannot start');
    }, 1)).subscribe({ error: (error) => thrown.push(error) });
    expect(thrown).toEqual([new Error('cannot start')]);
  });

  test('a source error fails the stream and cancels what runs', () => {
    const work = controlled();
    const errors: unknown[] = [];
    const source = new Subject<number>();
    source.pipe(mergeStarted(work.start, 2)).subscribe({ error: (error) => errors.push(error) });
    source.next(1);
    source.error(new Error('source'));
    expect(errors).toEqual([new Error('source')]);
    expect(work.cancelled).toEqual([1]);
  });
});
