import { Observable, Subject, merge, of, throwError } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, test } from 'vitest';
import { Limiter } from '../../lib/model/limiter.ts';

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

describe('Limiter', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  test('runs at most `limit` callers at once; activeCount never goes above it', () => {
    const limiter = new Limiter(2);
    const log: string[] = [];
    const calls = ['a', 'b', 'c', 'd', 'e'].map((name) => controlled(log, name));
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
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new Limiter(1);
      const a = cold('--a|');
      const b = cold('--b|');
      const c = cold('--c|');
      const result = merge(
        limiter.run(() => a),
        limiter.run(() => b),
        limiter.run(() => c),
      );
      expectObservable(result).toBe('--a--b--c|');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('---^--!');
      expectSubscriptions(c.subscriptions).toBe('------^--!');
    });
  });

  test('with two slots, the third caller takes the first slot that frees (marbles)', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const limiter = new Limiter(2);
      const a = cold('----a|');
      const b = cold('-b|');
      const c = cold('-c|');
      const result = merge(
        limiter.run(() => a),
        limiter.run(() => b),
        limiter.run(() => c),
      );
      expectObservable(result).toBe('-b-ca|');
      expectSubscriptions(a.subscriptions).toBe('^----!');
      expectSubscriptions(b.subscriptions).toBe('^-!');
      expectSubscriptions(c.subscriptions).toBe('--^-!');
    });
  });

  test('unsubscribing a queued caller never starts it', () => {
    const limiter = new Limiter(1);
    const log: string[] = [];
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
    const c = controlled(log, 'c');
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
    const limiter = new Limiter(1);
    const log: string[] = [];
    const first = controlled(log, 'first');
    const a = controlled(log, 'a');
    const b = controlled(log, 'b');
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
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
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
    const limiter = new Limiter(1);
    const log: string[] = [];
    const gate = controlled(log, 'gate');
    const errors: unknown[] = [];
    limiter.run(gate.factory).subscribe();
    limiter
      .run((): Observable<never> => {
        throw new Error('factory failed');
      })
      .subscribe({ error: (error: unknown) => errors.push(error) });
    const after = controlled(log, 'after');
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
