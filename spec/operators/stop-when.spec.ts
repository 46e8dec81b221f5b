import { Observable, toArray } from 'rxjs';
import { describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import { type StopCriterion, hasAcceptanceRateBelow, hasFailureRate, hasMeanScoreBelow, isMisconfigured, isRecordCount, isStalled, isTimeElapsed } from '../../lib/run/stop-criteria.ts';
import { initialProgress } from '../../lib/run/task-progress.ts';
import { type StopWhenConfig, stopWhen } from '../../operators/stop-when.ts';
import { describeOperatorContract } from '../helpers/operator-contract.ts';
import { type Question, askOf, rejectedOf, restoredOf } from '../helpers/outcomes.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

const values = {
  a: askOf(0, 'q0'),
  b: askOf(1, 'q1'),
  c: askOf(2, 'q2'),
  r: rejectedOf(3, 'q3'),
  f: rejectedOf(4, 'q4', 'lm_call_failed'),
  s: restoredOf('q5'),
  k: rejectedOf(6, 'q6', 'dedupe_key_invalid'),
};

// A count no contract case reaches. The `checkEveryMs` timer never runs out, so never-ending sources are unsubscribed.
describeOperatorContract(
  'stopWhen',
  (scheduler) => stopWhen<Question>(isRecordCount(5), { scheduler }),
  { a: values.a, b: values.b, c: values.c },
  { endless: (index) => accepted<Question>(String(index), { question: 'q' }), neverEndingSubscription: '^ 5s !' },
);

describe('stopWhen', () => {
  const testScheduler = useTestScheduler();

  /** Runs the cold `source` of `values` through `stopWhen(criteria)` on the test scheduler and checks what comes out. */
  function expectStop(
    criteria: StopCriterion | readonly StopCriterion[],
    source: string,
    expected: string,
    { subscription, onStop }: { readonly subscription?: string; readonly onStop?: StopWhenConfig['onStop'] } = {},
  ): void {
    const scheduler = testScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const input = cold(source, values);
      const config: StopWhenConfig = onStop === undefined ? { scheduler } : { onStop, scheduler };
      expectObservable(input.pipe(stopWhen(criteria, config))).toBe(expected, values);
      if (subscription !== undefined) expectSubscriptions(input.subscriptions).toBe(subscription);
    });
  }

  test('a source that completes before any criterion holds completes as is', () => {
    expectStop(isRecordCount(3), '-a-b|', '-a-b|', { subscription: '^---!' });
  });

  test('isRecordCount completes inclusively on the nth record and unsubscribes upstream', () => {
    expectStop(isRecordCount(2), '-a-r-b-c|', '-a-r-(b|)', { subscription: '^----!' });
  });

  test('restored outcomes count as accepted records', () => {
    expectStop(isRecordCount(3), '-s-s-a-b|', '-s-s-(a|)', { subscription: '^----!' });
  });

  test('isStalled completes after that many inputs in a row without a new record', () => {
    expectStop(isStalled(3), '-r-a-r-r-r-a|', '-r-a-r-r-(r|)', { subscription: '^--------!' });
  });

  test('restored outcomes neither stall nor reset the stall count', () => {
    expectStop(isStalled(2), '-r-s-r-a|', '-r-s-(r|)');
  });

  test('hasFailureRate waits for `after` attempts, then stops once failures reach the rate', () => {
    // After 2 attempts the rate is 100%, but `after: 4` holds it off; at attempt 4 it is 2/4 = 0.5.
    expectStop(hasFailureRate(0.5, { after: 4 }), '-f-f-a-a-a|', '-f-f-a-(a|)');
  });

  test('hasFailureRate waits for 20 attempts by default, as a task does (failureRateAfter)', () => {
    const failing = (attempts: number) => ({ ...initialProgress(0), failures: attempts, attempts });
    const criterion = hasFailureRate(0.5);
    expect(criterion(failing(19))).toBe(false);
    expect(criterion(failing(20))).toBe(true);
  });

  test('hasFailureRate counts only lm_call_failed rejections as failures', () => {
    expectStop(hasFailureRate(0.5, { after: 2 }), '-r-r-r-r|', '-r-r-r-r|');
  });

  test('hasAcceptanceRateBelow keeps its window over the stream and stops once the rate falls below its bound', () => {
    // Window of 3, after 4: the first three are held off; at the 4th the window (r r a) is at 1/3.
    expectStop(hasAcceptanceRateBelow(0.5, { window: 3, after: 4 }), '-r-r-r-a-r-|', '-r-r-r-(a|)', { subscription: '^------!' });
  });

  test('hasAcceptanceRateBelow leaves failed LM calls out of its window', () => {
    // Window of 2: (a a), then (a r) at exactly 0.5, then (r r).
    expectStop(hasAcceptanceRateBelow(0.5, { window: 2, after: 2 }), '-a-f-f-a-r-r|', '-a-f-f-a-r-(r|)');
  });

  test('hasMeanScoreBelow reads the field of accepted outcomes', () => {
    const scored: Record<string, Outcome<Question>> = { x: askOf(7, 'q7'), h: accepted('8', { question: 'q8', score: 5 }), l: accepted('9', { question: 'q9', score: 1 }) };
    testScheduler().run(({ cold, expectObservable }) => {
      const criterion = hasMeanScoreBelow('score', 3, { window: 2, after: 2 });
      // Scores 5, (none), 1: mean 3; then 1, 1.
      expectObservable(cold('-h-x-l-l-h|', scored).pipe(stopWhen<Question>(criterion, { scheduler: testScheduler() }))).toBe('-h-x-l-(l|)', scored);
    });
  });

  test('isMisconfigured stops a stream whose every outcome is rejected by one config-shaped issue', () => {
    const onStop = vi.fn();
    expectStop(isMisconfigured(3), '-k-k-k-k|', '-k-k-(k|)', { onStop });
    expect(onStop.mock.calls[0]?.[0].describe(onStop.mock.calls[0]?.[1])).toBe(
      'every one of the first 3 records was rejected by block `earlier`: dedupe_key_invalid: dedupe_key_invalid for test',
    );
  });

  test('isMisconfigured never fires once an outcome was rejected otherwise', () => {
    expectStop(isMisconfigured(3), '-k-r-k-k-k|', '-k-r-k-k-k|');
  });

  test('a `progress` reader whose progress lacks a window a criterion reads errors the stream, naming it', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const read = () => initialProgress(0);
      const stopped = cold('-a|', values).pipe(stopWhen(hasAcceptanceRateBelow(0.5), { progress: read, scheduler: testScheduler() }));
      expectObservable(stopped).toBe(
        '-#',
        undefined,
        new Error('hasAcceptanceRateBelow: the progress keeps no window `acceptance:100`: make it with initialProgress(now, restored, windowsOf(criteria))'),
      );
    });
  });

  test('isTimeElapsed fires on a quiet stream, checked through the scheduler', () => {
    expectStop(isTimeElapsed(5000), '-a-------', '-a 4998ms |', { subscription: '^ 4999ms !' });
  });

  test('isTimeElapsed is checked every checkEveryMs, and on every outcome', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const quiet = cold<Outcome<Question>>('-');
      expectObservable(quiet.pipe(stopWhen(isTimeElapsed(1200), { checkEveryMs: 500, scheduler: testScheduler() }))).toBe('1500ms |');
      const busy = cold('1300ms a', values);
      expectObservable(busy.pipe(stopWhen(isTimeElapsed(1200), { checkEveryMs: 60_000, scheduler: testScheduler() }))).toBe('1300ms (a|)', values);
    });
  });

  test('the default scheduler is asyncScheduler, which run() puts on virtual time', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Outcome<Question>>('-').pipe(stopWhen(isTimeElapsed(3000)))).toBe('3000ms |');
    });
  });

  test('any criterion of an array stops; onStop is called once with the one that fired and the progress', () => {
    const onStop = vi.fn();
    const stalled = isStalled(2);
    expectStop([isRecordCount(3), stalled], '-a-r-r-a-b|', '-a-r-(r|)', { onStop });
    expect(onStop).toHaveBeenCalledTimes(1);
    expect(onStop).toHaveBeenCalledWith(stalled, expect.objectContaining({ accepted: 1, rejected: 2, attempts: 3, sinceLastAccepted: 2, now: 5 }));
  });

  test('onStop is called once for a time limit', () => {
    const onStop = vi.fn();
    const limit = isTimeElapsed(2000);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Outcome<Question>>('-').pipe(stopWhen(limit, { onStop, scheduler: testScheduler() }))).toBe('2000ms |');
    });
    expect(onStop.mock.calls).toEqual([[limit, expect.objectContaining({ startedAt: 0, now: 2000 })]]);
  });

  test('onStop is not called when the source completes first', () => {
    const onStop = vi.fn();
    expectStop(isTimeElapsed(2000), '-a|', '-a|', { onStop });
    expect(onStop).not.toHaveBeenCalled();
  });

  test('state belongs to each subscription: one operator, two independent counts', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const operator = stopWhen<Question>(isRecordCount(2), { scheduler: testScheduler() });
      expectObservable(cold('-a-b-c|', values).pipe(operator)).toBe('-a-(b|)', values);
      expectObservable(cold('--a-b-c|', values).pipe(operator)).toBe('--a-(b|)', values);
    });
  });

  test('a synchronous endless source stops once the criterion holds', () => {
    let emitted = 0;
    const endless = new Observable<Outcome<Question>>((subscriber) => {
      while (!subscriber.closed) subscriber.next(accepted(String(emitted++), { question: 'q' }));
    });
    const collected: Outcome<Question>[][] = [];
    endless.pipe(stopWhen(isRecordCount(3)), toArray()).subscribe((all) => collected.push(all));
    expect(collected[0]?.map((outcome) => outcome.id)).toEqual(['0', '1', '2']);
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
