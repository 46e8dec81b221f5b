import { Observable, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import { hasFailureRate, isRecordCount, isStalled, isTimeElapsed } from '../../lib/run/stop-criteria.ts';
import { stopWhen } from '../../operators/stop-when.ts';
import { type Question, askOf, rejectedOf, restoredOf } from '../helpers/outcomes.ts';

const values = {
  a: askOf(0, 'q0'),
  b: askOf(1, 'q1'),
  c: askOf(2, 'q2'),
  r: rejectedOf(3, 'q3'),
  f: rejectedOf(4, 'q4', 'lm_call_failed'),
  s: restoredOf('q5'),
};

describe('stopWhen', () => {
  let testScheduler: TestScheduler;

  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  test('never: emits nothing until unsubscribed', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold<Outcome<Question>>('-');
      expectObservable(source.pipe(stopWhen(isRecordCount(1), { scheduler: testScheduler })), '^ 5s !').toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^ 5s !');
    });
  });

  test('empty: completes', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<Outcome<Question>>('|').pipe(stopWhen(isRecordCount(1), { scheduler: testScheduler }))).toBe('|');
    });
  });

  test('a source that completes before any criterion holds completes as is', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b|', values).pipe(stopWhen(isRecordCount(3), { scheduler: testScheduler }))).toBe('-a-b|', values);
    });
  });

  test('isRecordCount completes inclusively on the nth record and unsubscribes upstream', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-r-b-c|', values);
      expectObservable(source.pipe(stopWhen(isRecordCount(2), { scheduler: testScheduler }))).toBe('-a-r-(b|)', values);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('restored outcomes count as accepted records', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-s-s-a-b|', values);
      expectObservable(source.pipe(stopWhen(isRecordCount(3), { scheduler: testScheduler }))).toBe('-s-s-(a|)', values);
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('isStalled completes after that many inputs in a row without a new record', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-r-a-r-r-r-a|', values);
      expectObservable(source.pipe(stopWhen(isStalled(3), { scheduler: testScheduler }))).toBe('-r-a-r-r-(r|)', values);
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  test('restored outcomes neither stall nor reset the stall count', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('-r-s-r-a|', values);
      expectObservable(source.pipe(stopWhen(isStalled(2), { scheduler: testScheduler }))).toBe('-r-s-(r|)', values);
    });
  });

  test('hasFailureRate waits for `after` attempts, then stops once failures reach the rate', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      // After 2 attempts the rate is 100%, but `after: 4` holds it off; at attempt 4 it is 2/4 = 0.5.
      const source = cold('-f-f-a-a-a|', values);
      expectObservable(source.pipe(stopWhen(hasFailureRate(0.5, { after: 4 }), { scheduler: testScheduler }))).toBe('-f-f-a-(a|)', values);
    });
  });

  test('hasFailureRate counts only lm_call_failed rejections as failures', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('-r-r-r-r|', values);
      expectObservable(source.pipe(stopWhen(hasFailureRate(0.5, { after: 2 }), { scheduler: testScheduler }))).toBe('-r-r-r-r|', values);
    });
  });

  test('isTimeElapsed fires on a quiet stream, checked through the scheduler', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-------', values);
      expectObservable(source.pipe(stopWhen(isTimeElapsed(5000), { scheduler: testScheduler }))).toBe('-a 4998ms |', values);
      expectSubscriptions(source.subscriptions).toBe('^ 4999ms !');
    });
  });

  test('isTimeElapsed is checked every checkEveryMs, and on every outcome', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const quiet = cold<Outcome<Question>>('-');
      expectObservable(quiet.pipe(stopWhen(isTimeElapsed(1200), { checkEveryMs: 500, scheduler: testScheduler }))).toBe('1500ms |');
      const busy = cold('1300ms a', values);
      expectObservable(busy.pipe(stopWhen(isTimeElapsed(1200), { checkEveryMs: 60_000, scheduler: testScheduler }))).toBe('1300ms (a|)', values);
    });
  });

  test('the default scheduler is asyncScheduler, which run() puts on virtual time', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<Outcome<Question>>('-').pipe(stopWhen(isTimeElapsed(3000)))).toBe('3000ms |');
    });
  });

  test('any criterion of an array stops; onStop is called once with the one that fired and the progress', () => {
    const onStop = vi.fn();
    const stalled = isStalled(2);
    testScheduler.run(({ cold, expectObservable }) => {
      const source = cold('-a-r-r-a-b|', values);
      expectObservable(source.pipe(stopWhen([isRecordCount(3), stalled], { onStop, scheduler: testScheduler }))).toBe('-a-r-(r|)', values);
    });
    expect(onStop).toHaveBeenCalledTimes(1);
    expect(onStop).toHaveBeenCalledWith(stalled, expect.objectContaining({ accepted: 1, rejected: 2, attempts: 3, sinceLastAccepted: 2, now: 5 }));
  });

  test('onStop is called once for a time limit', () => {
    const onStop = vi.fn();
    const limit = isTimeElapsed(2000);
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold<Outcome<Question>>('-').pipe(stopWhen(limit, { onStop, scheduler: testScheduler }))).toBe('2000ms |');
    });
    expect(onStop.mock.calls).toEqual([[limit, expect.objectContaining({ startedAt: 0, now: 2000 })]]);
  });

  test('onStop is not called when the source completes first', () => {
    const onStop = vi.fn();
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|', values).pipe(stopWhen(isTimeElapsed(2000), { onStop, scheduler: testScheduler }))).toBe('-a|', values);
    });
    expect(onStop).not.toHaveBeenCalled();
  });

  test('a source error is passed on', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', values, new Error('broke')).pipe(stopWhen(isRecordCount(5), { scheduler: testScheduler }))).toBe(
        '-a-#',
        values,
        new Error('broke'),
      );
    });
  });

  test('early unsubscribe unsubscribes the source', () => {
    testScheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c|', values);
      expectObservable(source.pipe(stopWhen(isRecordCount(5), { scheduler: testScheduler })), '^--!').toBe('-a-', values);
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  test('state belongs to each subscription: one operator, two independent counts', () => {
    testScheduler.run(({ cold, expectObservable }) => {
      const operator = stopWhen<Question>(isRecordCount(2), { scheduler: testScheduler });
      expectObservable(cold('-a-b-c|', values).pipe(operator)).toBe('-a-(b|)', values);
      expectObservable(cold('--a-b-c|', values).pipe(operator)).toBe('--a-(b|)', values);
    });
  });

  test('a synchronous endless source stops once the criterion holds', () => {
    let emitted = 0;
    const endless = new Observable<Outcome<Question>>((subscriber) => {
      while (!subscriber.closed) subscriber.next(accepted(emitted++, { question: 'q' }));
    });
    const collected: Outcome<Question>[][] = [];
    endless.pipe(stopWhen(isRecordCount(3)), toArray()).subscribe((all) => collected.push(all));
    expect(collected[0]?.map((outcome) => outcome.attempt)).toEqual([0, 1, 2]);
    expect(emitted).toBe(3);
  });

  test('bad criteria and options throw a ConfigError at the factory call', () => {
    expect(() => stopWhen([])).toThrow(ConfigError);
    expect(() => stopWhen([])).toThrow('stopWhen: invalid config at `criteria`');
    expect(() => stopWhen((() => true) as never)).toThrow('`criteria.0`');
    expect(() => stopWhen(isRecordCount(1), { checkEveryMs: 0 })).toThrow('`checkEveryMs`');
    expect(() => stopWhen(isRecordCount(1), { scheduler: {} as never })).toThrow('`scheduler`');
    expect(() => isRecordCount(0)).toThrow(ConfigError);
    expect(() => isRecordCount(1.5)).toThrow('isRecordCount: invalid config');
    expect(() => isStalled(0)).toThrow(ConfigError);
    expect(() => isTimeElapsed(-1)).toThrow(ConfigError);
    expect(() => hasFailureRate(0)).toThrow(ConfigError);
    expect(() => hasFailureRate(1.5)).toThrow(ConfigError);
    expect(() => hasFailureRate(0.5, { after: 0 })).toThrow(ConfigError);
  });
});
