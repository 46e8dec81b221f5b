import { Observable, Subject, merge, of, throwError } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { Limiter } from '../../lib/model/limiter.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

/** A controllable call: `start` logs when the limiter subscribes it, `finish` completes it. */
function controlled(log: string[], name: string) {
  const done = new Subject<string>();
  const factory = () =>
    new Observable<string>((subscriber) => {
      log.push(`${name} start`);
      const subscription = done.subscribe(subscriber);
      return () => {
        log.push(`${name} end`);
        subscription.unsubscribe();
      };
    });
  const finish = () => {
    done.next(name);
    done.complete();
  };
  return { factory, finish };
}

/** A limiter of `limit` slots, and one controlled call per name, all logging to one log. */
function limiterWith(limit: number, ...names: string[]) {
  const log: string[] = [];
  return { limiter: new Limiter(limit), log, calls: names.map((name) => controlled(log, name)) };
}

describe('Limiter', () => {
  const testScheduler = useTestScheduler();

  /**
   * Subscribes one limiter of `limit` slots to cold callers in order, merged. Each caller is its marble and
   * the subscription marble it must get; `expected` is the merged output.
   */
  function expectQueue(limit: number, callers: readonly (readonly [marbles: string, subscription: string])[], expected: string): void {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new Limiter(limit);
      const sources = callers.map(([marbles]) => cold(marbles));
      expectObservable(merge(...sources.map((source) => limiter.run(() => source)))).toBe(expected);
      callers.forEach(([, subscription], index) => expectSubscriptions(sources[index]!.subscriptions).toBe(subscription));
    });
  }

  test('runs at most `limit` callers at once; activeCount never goes above it', () => {
    const { limiter, calls } = limiterWith(2, 'a', 'b', 'c', 'd', 'e');
    const activeAtStart: number[] = [];
    const values: string[] = [];
    for (const call of calls) {
      limiter
        .run(() => {
          activeAtStart.push(limiter.activeCount);
          return call.factory();
        })
        .subscribe((value) => values.push(value));
    }
    expect(limiter.activeCount).toBe(2);
    expect(limiter.pendingCount).toBe(3);
    for (const call of calls) {
      call.finish();
      expect(limiter.activeCount).toBeLessThanOrEqual(2);
    }
    // Each factory runs once its slot is taken, so it sees itself among the active ones.
    expect(activeAtStart.every((count) => count >= 1 && count <= 2)).toBe(true);
    expect(values).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(limiter.activeCount).toBe(0);
    expect(limiter.pendingCount).toBe(0);
  });

  test('queued callers start in the order they subscribed (marbles)', () => {
    expectQueue(1, [['--a|', '^--!'], ['--b|', '---^--!'], ['--c|', '------^--!']], '--a--b--c|');
  });

  test('with two slots, the third caller takes the first slot that frees (marbles)', () => {
    expectQueue(2, [['----a|', '^----!'], ['-b|', '^-!'], ['-c|', '--^-!']], '-b-ca|');
  });

  test('unsubscribing a queued caller never starts it', () => {
    const { limiter, log, calls: [a, b, c] } = limiterWith(1, 'a', 'b', 'c');
    limiter.run(a.factory).subscribe();
    const queued = limiter.run(b.factory).subscribe();
    limiter.run(c.factory).subscribe();
    expect(limiter.pendingCount).toBe(2);
    queued.unsubscribe();
    expect(limiter.pendingCount).toBe(1);
    a.finish();
    c.finish();
    expect(log).toEqual(['a start', 'a end', 'c start', 'c end']);
    expect(limiter.activeCount).toBe(0);
  });

  test('unsubscribing an active caller ends its work, then hands its slot to the next one', () => {
    const { limiter, log, calls: [first, a, b] } = limiterWith(1, 'first', 'a', 'b');
    limiter.run(first.factory).subscribe();
    // `a` starts from the queue, the path where its teardown is registered before its work.
    const active = limiter.run(a.factory).subscribe();
    limiter.run(b.factory).subscribe();
    first.finish();
    expect(log).toEqual(['first start', 'first end', 'a start']);
    active.unsubscribe();
    // The slot must not pass on while `a` still runs, or the cap is exceeded for a moment.
    expect(log).toEqual(['first start', 'first end', 'a start', 'a end', 'b start']);
    expect(limiter.activeCount).toBe(1);
    expect(limiter.pendingCount).toBe(0);
  });

  test('an active caller unsubscribed early releases its slot (marbles)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new Limiter(1);
      const a = cold('-----a|');
      const b = cold('-b|');
      expectObservable(limiter.run(() => a), '--!').toBe('--');
      expectObservable(limiter.run(() => b)).toBe('---b|');
      expectSubscriptions(a.subscriptions).toBe('^-!');
      expectSubscriptions(b.subscriptions).toBe('--^-!');
    });
  });

  test('an error is forwarded and releases the slot', () => {
    const limiter = new Limiter(1);
    const errors: unknown[] = [];
    const values: number[] = [];
    limiter.run(() => throwError(() => new Error('boom'))).subscribe({ error: (error: unknown) => errors.push(error) });
    limiter.run(() => of(1)).subscribe((value) => values.push(value));
    expect(errors).toEqual([new Error('boom')]);
    expect(values).toEqual([1]);
    expect(limiter.activeCount).toBe(0);
  });

  test('a factory that throws errors its caller and releases the slot', () => {
    const { limiter, log, calls: [gate, after] } = limiterWith(1, 'gate', 'after');
    const errors: unknown[] = [];
    limiter.run(gate.factory).subscribe();
    limiter
      .run((): Observable<never> => {
        throw new Error('factory failed');
      })
      .subscribe({ error: (error: unknown) => errors.push(error) });
    limiter.run(after.factory).subscribe();
    gate.finish();
    expect(errors).toEqual([new Error('factory failed')]);
    expect(log).toEqual(['gate start', 'gate end', 'after start']);
    expect(limiter.activeCount).toBe(1);
    expect(limiter.pendingCount).toBe(0);
  });

  test('synchronous callers complete one after another without leaking slots', () => {
    const limiter = new Limiter(1);
    const values: number[] = [];
    merge(...[1, 2, 3].map((value) => limiter.run(() => of(value)))).subscribe((value) => values.push(value));
    expect(values).toEqual([1, 2, 3]);
    expect(limiter.activeCount).toBe(0);
    expect(limiter.pendingCount).toBe(0);
  });

  test('a promise-returning factory works as an observable input', async () => {
    const limiter = new Limiter(1);
    const values: string[] = [];
    await new Promise<void>((resolve) => limiter.run(() => Promise.resolve('done')).subscribe({ next: (value) => values.push(value), complete: resolve }));
    expect(values).toEqual(['done']);
    expect(limiter.activeCount).toBe(0);
  });
});
