import { Observable, type OperatorFunction, take, toArray } from 'rxjs';
import type { RunHelpers, TestScheduler } from 'rxjs/testing';
import { describe, expect, test } from 'vitest';
import { useTestScheduler } from './test-scheduler.ts';

/** How many values the endless-source case takes before it unsubscribes. */
const endlessTake = 3;

export interface OperatorContractOptions<In> {
  /** The value at `index` of a synchronous endless source; each must pass through the operator unchanged. */
  readonly endless: (index: number) => In;
  /**
   * Subscription marble for the cases whose source never completes, for an operator that arms a timer of
   * its own (the scheduler would otherwise never run out of work). By default they stay subscribed: `^`.
   */
  readonly neverEndingSubscription?: string;
}

/**
 * Registers the operator-agnostic cases of the R15 checklist, each on a new {@link TestScheduler}: never,
 * empty, a never-ending source, a source error, early unsubscribe and a synchronous endless source.
 * The operator's own spec keeps the cases only it can state: one and many values, a throwing callback,
 * bad config, cancellation of in-flight calls.
 *
 * @param makeOperator builds a new operator; it gets the test's scheduler, for operators that take one.
 * @param sampleValues marble values, at least two, that each pass through the operator unchanged.
 */
export function describeOperatorContract<In, Out>(
  name: string,
  makeOperator: (scheduler: TestScheduler) => OperatorFunction<In, Out>,
  sampleValues: Readonly<Record<string, In>>,
  options: OperatorContractOptions<In>,
): void {
  const keys = Object.keys(sampleValues);
  if (keys.length < 2) throw new Error(`describeOperatorContract(${name}): expected at least two sample values, received ${keys.length}`);
  const [first, second] = keys as [string, string, ...string[]];
  const { endless, neverEndingSubscription } = options;

  describe(`${name}: R15 contract`, () => {
    const testScheduler = useTestScheduler();

    /** Runs `body` in virtual time with a new operator built on this test's scheduler. */
    const marbles = (body: (helpers: RunHelpers, operator: OperatorFunction<In, Out>) => void) => {
      const scheduler = testScheduler();
      scheduler.run((helpers) => body(helpers, makeOperator(scheduler)));
    };

    test('never: emits nothing', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }, operator) => {
        const source = cold<In>('-');
        expectObservable(source.pipe(operator), neverEndingSubscription).toBe('-');
        expectSubscriptions(source.subscriptions).toBe(neverEndingSubscription ?? '^');
      });
    });

    test('empty: completes', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }, operator) => {
        const source = cold<In>('|');
        expectObservable(source.pipe(operator)).toBe('|');
        expectSubscriptions(source.subscriptions).toBe('(^!)');
      });
    });

    test('a never-ending source: emits as values arrive and never completes', () => {
      marbles(({ hot, expectObservable, expectSubscriptions }, operator) => {
        const timeline = `-${keys.join('--')}--`;
        const source = hot(timeline, sampleValues);
        expectObservable(source.pipe(operator), neverEndingSubscription).toBe(timeline, sampleValues);
        expectSubscriptions(source.subscriptions).toBe(neverEndingSubscription ?? '^');
      });
    });

    test('a source error is passed on', () => {
      marbles(({ cold, expectObservable }, operator) => {
        const error = new Error('broke');
        expectObservable(cold(`-${first}-#`, sampleValues, error).pipe(operator)).toBe(`-${first}-#`, sampleValues, error);
      });
    });

    test('early unsubscribe unsubscribes the source', () => {
      marbles(({ cold, expectObservable, expectSubscriptions }, operator) => {
        const source = cold(`-${first}-${second}|`, sampleValues);
        expectObservable(source.pipe(operator), '^--!').toBe(`-${first}-`, sampleValues);
        expectSubscriptions(source.subscriptions).toBe('^--!');
      });
    });

    test('a synchronous endless source stops once downstream is done', () => {
      let emitted = 0;
      const source = new Observable<In>((subscriber) => {
        while (!subscriber.closed) subscriber.next(endless(emitted++));
      });
      const collected: Out[][] = [];
      source.pipe(makeOperator(testScheduler()), take(endlessTake), toArray()).subscribe((all) => collected.push(all));
      expect(collected).toEqual([Array.from({ length: endlessTake }, (_, index) => endless(index))]);
      expect(emitted).toBe(endlessTake);
    });
  });
}
