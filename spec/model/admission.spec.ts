import { NEVER, Observable, type SchedulerLike, map, merge, of, throwError, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import type { z } from 'zod';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { startAbortable } from '../../lib/model/abortable.ts';
import { Admission, type AdmissionConfig } from '../../lib/model/admission.ts';
import type { admissionConfigSchema } from '../../lib/model/admission-config.ts';
import { admissionFor, clearAdmissions } from '../../lib/model/admission-registry.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

/** Work that logs its start (name and virtual time) and its teardown, and answers after `duration` ms (never when undefined). */
function workLog(scheduler: SchedulerLike) {
  const starts: [name: string, time: number][] = [];
  const ends: string[] = [];
  const work = (name: string, duration?: number) => () =>
    new Observable<string>((subscriber) => {
      starts.push([name, scheduler.now()]);
      const answer = duration === undefined ? NEVER : timer(duration, scheduler).pipe(map(() => name));
      const subscription = answer.subscribe(subscriber);
      return () => {
        ends.push(name);
        subscription.unsubscribe();
      };
    });
  return { starts, ends, work };
}

describe('Admission: concurrency, queue and cancellation', () => {
  const testScheduler = useTestScheduler();

  function admission(scheduler: TestScheduler, config: Partial<AdmissionConfig> = {}) {
    return new Admission({ maxConcurrency: 3, scheduler, ...config });
  }

  test('never runs more than maxConcurrency at once; the rest start as slots free', () => {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const gate = admission(scheduler);
      const { starts, work } = workLog(scheduler);
      let peak = 0;
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      const values: string[] = [];
      merge(
        ...names.map((name) =>
          gate.run(() => {
            // The work runs once its slot is taken, so it counts itself among the active ones.
            peak = Math.max(peak, gate.state.active);
            return work(name, 10)();
          }),
        ),
      ).subscribe((value) => values.push(value));
      expect(gate.state).toMatchObject({ active: 3, queued: 4, concurrency: 3, maxConcurrency: 3 });
      flush();
      expect(peak).toBe(3);
      expect(starts).toEqual([['a', 0], ['b', 0], ['c', 0], ['d', 10], ['e', 10], ['f', 10], ['g', 20]]);
      expect(values).toEqual(names);
      expect(gate.state).toMatchObject({ active: 0, queued: 0 });
    });
  });

  test('queued requests start in the order they subscribed (marbles)', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const gate = admission(testScheduler(), { maxConcurrency: 1 });
      const a = cold('--a|');
      const b = cold('--b|');
      const c = cold('--c|');
      expectObservable(merge(gate.run(() => a), gate.run(() => b), gate.run(() => c))).toBe('--a--b--c|');
      expectSubscriptions(a.subscriptions).toBe('^--!');
      expectSubscriptions(b.subscriptions).toBe('---^--!');
      expectSubscriptions(c.subscriptions).toBe('------^--!');
    });
  });

  test('unsubscribing a queued request leaves the queue without starting it', () => {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const gate = admission(scheduler, { maxConcurrency: 1 });
      const { starts, work } = workLog(scheduler);
      gate.run(work('a', 10)).subscribe();
      const queued = gate.run(work('b', 10)).subscribe();
      gate.run(work('c', 10)).subscribe();
      expect(gate.state.queued).toBe(2);
      queued.unsubscribe();
      expect(gate.state.queued).toBe(1);
      flush();
      expect(starts).toEqual([['a', 0], ['c', 10]]);
    });
  });

  test('unsubscribing a running request tears its work down, then frees the slot', () => {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const gate = admission(scheduler, { maxConcurrency: 1 });
      const { starts, ends, work } = workLog(scheduler);
      const running = gate.run(work('a')).subscribe();
      gate.run(work('b', 10)).subscribe();
      scheduler.schedule(() => {
        running.unsubscribe();
        // The slot passes on only after `a` ended, so the cap is never exceeded.
        expect(ends).toEqual(['a']);
        expect(gate.state).toMatchObject({ active: 1, queued: 0 });
      }, 5);
      flush();
      expect(starts).toEqual([['a', 0], ['b', 5]]);
      expect(ends).toEqual(['a', 'b']);
      expect(gate.state.active).toBe(0);
    });
  });

  test('unsubscribing aborts an in-flight call started with startAbortable', () => {
    const gate = new Admission({ maxConcurrency: 1 });
    let signal: AbortSignal | undefined;
    const call = new Observable<string>((subscriber) =>
      startAbortable(
        (options) => {
          signal = options.signal;
          return new Promise<string>(() => {});
        },
        (value) => subscriber.next(value),
        (error) => subscriber.error(error),
      ),
    );
    const subscription = gate.run(() => call).subscribe();
    expect(signal?.aborted).toBe(false);
    subscription.unsubscribe();
    expect(signal?.aborted).toBe(true);
    expect(gate.state.active).toBe(0);
  });

  test('an error, or a factory that throws, reaches the caller and frees the slot', () => {
    const gate = new Admission({ maxConcurrency: 1 });
    const errors: unknown[] = [];
    const values: number[] = [];
    gate.run(() => throwError(() => new Error('boom'))).subscribe({ error: (error: unknown) => errors.push(error) });
    gate
      .run((): Observable<never> => {
        throw new Error('factory failed');
      })
      .subscribe({ error: (error: unknown) => errors.push(error) });
    gate.run(() => of(1)).subscribe((value) => values.push(value));
    expect(errors).toEqual([new Error('boom'), new Error('factory failed')]);
    expect(values).toEqual([1]);
    expect(gate.state).toMatchObject({ active: 0, queued: 0 });
  });

  test('synchronous work completes one after another without leaking slots', () => {
    const gate = new Admission({ maxConcurrency: 1 });
    const values: number[] = [];
    merge(...[1, 2, 3, 4].map((value) => gate.run(() => of(value)))).subscribe((value) => values.push(value));
    expect(values).toEqual([1, 2, 3, 4]);
    expect(gate.state).toMatchObject({ active: 0, queued: 0 });
  });

  test('the run is cold: nothing starts before a subscription', () => {
    const gate = new Admission({ maxConcurrency: 1 });
    let started = 0;
    const request = gate.run(() => {
      started += 1;
      return of('x');
    });
    expect(started).toBe(0);
    request.subscribe();
    request.subscribe();
    expect(started).toBe(2);
  });
});

describe('Admission: AIMD and pauses', () => {
  const testScheduler = useTestScheduler();

  test('throttled() cuts the limit by 0.75 each time, rounding down, never below 1', () => {
    const gate = new Admission({ maxConcurrency: 8, cooldownMs: 0 });
    const limits = [gate.state.concurrency];
    for (let i = 0; i < 6; i += 1) {
      gate.throttled();
      limits.push(gate.state.concurrency);
    }
    expect(limits).toEqual([8, 6, 4, 3, 2, 1, 1]);
  });

  test('a custom decrease applies; with adaptive off the limit stays at the cap', () => {
    const halving = new Admission({ maxConcurrency: 8, decrease: 0.5, cooldownMs: 0 });
    halving.throttled();
    expect(halving.state.concurrency).toBe(4);
    const fixed = new Admission({ maxConcurrency: 8, adaptive: false, cooldownMs: 0 });
    fixed.throttled();
    for (let i = 0; i < 30; i += 1) fixed.succeeded();
    expect(fixed.state).toMatchObject({ concurrency: 8, successRun: 0 });
  });

  test('25 successes in a row add 1, up to the cap and never above; a throttle restarts the run', () => {
    const gate = new Admission({ maxConcurrency: 4, cooldownMs: 0 });
    gate.throttled();
    gate.throttled();
    expect(gate.state.concurrency).toBe(2);
    const succeed = (times: number) => {
      for (let i = 0; i < times; i += 1) gate.succeeded();
    };
    succeed(24);
    expect(gate.state).toMatchObject({ concurrency: 2, successRun: 24 });
    gate.throttled();
    expect(gate.state).toMatchObject({ concurrency: 1, successRun: 0 });
    succeed(24);
    expect(gate.state.concurrency).toBe(1);
    succeed(1);
    expect(gate.state).toMatchObject({ concurrency: 2, successRun: 0 });
    succeed(25 * 10);
    expect(gate.state.concurrency).toBe(4);
  });

  test('increaseAfter sets the length of the run', () => {
    const gate = new Admission({ maxConcurrency: 4, increaseAfter: 3, cooldownMs: 0 });
    gate.throttled();
    gate.succeeded();
    gate.succeeded();
    expect(gate.state.concurrency).toBe(3);
    gate.succeeded();
    expect(gate.state.concurrency).toBe(4);
  });

  test('after a cut only the new limit runs at once; a grown limit lets the queue in', () => {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const gate = new Admission({ maxConcurrency: 4, increaseAfter: 1, cooldownMs: 0, scheduler });
      const { starts, work } = workLog(scheduler);
      gate.throttled();
      gate.throttled();
      expect(gate.state.concurrency).toBe(2);
      for (const name of ['a', 'b', 'c', 'd']) gate.run(work(name)).subscribe();
      scheduler.schedule(() => {
        expect(gate.state).toMatchObject({ active: 2, queued: 2 });
        gate.succeeded();
      }, 5);
      flush();
      expect(starts).toEqual([['a', 0], ['b', 0], ['c', 5]]);
      expect(gate.state).toMatchObject({ concurrency: 3, active: 3, queued: 1 });
    });
  });

  test('Retry-After pauses the whole credential: queued and new requests start only after it, running ones go on', () => {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const gate = new Admission({ maxConcurrency: 4, scheduler });
      const { starts, ends, work } = workLog(scheduler);
      gate.run(work('running', 100)).subscribe();
      scheduler.schedule(() => gate.throttled(5000), 10);
      scheduler.schedule(() => {
        expect(gate.state.pausedUntil).toBe(5010);
        gate.run(work('queued', 1)).subscribe();
        gate.run(work('also-queued', 1)).subscribe();
        expect(gate.state).toMatchObject({ queued: 2 });
      }, 20);
      scheduler.schedule(() => gate.run(work('late', 1)).subscribe(), 3000);
      flush();
      expect(ends[0]).toBe('running');
      expect(starts).toEqual([['running', 0], ['queued', 5010], ['also-queued', 5010], ['late', 5010]]);
      expect(gate.state.pausedUntil).toBeUndefined();
    });
  });

  test.each([
    ['2 s by default', {}, 2000],
    ['as configured', { cooldownMs: 300 }, 300],
  ])('without Retry-After the pause is cooldownMs: %s', (_label, config, expected) => {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const gate = new Admission({ maxConcurrency: 2, scheduler, ...config });
      const { starts, work } = workLog(scheduler);
      gate.throttled();
      gate.run(work('next', 1)).subscribe();
      flush();
      expect(starts).toEqual([['next', expected]]);
    });
  });

  test('a shorter pause never shortens one in force', () => {
    testScheduler().run(() => {
      const gate = new Admission({ maxConcurrency: 2, scheduler: testScheduler() });
      gate.throttled(5000);
      gate.throttled(100);
      expect(gate.state.pausedUntil).toBe(5000);
    });
  });
});

describe('admissionFor', () => {
  afterEach(() => clearAdmissions());

  test('shares one Admission per key and creates one per new key', () => {
    const first = admissionFor('cred-a:https://example.test/v1', { maxConcurrency: 4 });
    expect(admissionFor('cred-a:https://example.test/v1', { maxConcurrency: 4 })).toBe(first);
    expect(admissionFor('cred-b:https://example.test/v1', { maxConcurrency: 4 })).not.toBe(first);
  });

  test('a later, larger maxConcurrency raises the cap; a smaller one leaves it', () => {
    const shared = admissionFor('key', { maxConcurrency: 4 });
    admissionFor('key', { maxConcurrency: 10 });
    expect(shared.state).toMatchObject({ maxConcurrency: 10, concurrency: 10 });
    admissionFor('key', { maxConcurrency: 2 });
    expect(shared.state).toMatchObject({ maxConcurrency: 10, concurrency: 10 });
  });

  test('a cut limit stays cut when the cap rises, and grows back to the new cap', () => {
    const shared = admissionFor('key', { maxConcurrency: 4, increaseAfter: 1, cooldownMs: 0 });
    shared.throttled();
    admissionFor('key', { maxConcurrency: 5 });
    expect(shared.state).toMatchObject({ maxConcurrency: 5, concurrency: 3 });
    for (let i = 0; i < 5; i += 1) shared.succeeded();
    expect(shared.state.concurrency).toBe(5);
  });

  test('clearAdmissions forgets them', () => {
    const first = admissionFor('key', { maxConcurrency: 1 });
    clearAdmissions();
    expect(admissionFor('key', { maxConcurrency: 1 })).not.toBe(first);
  });

  test('bad config throws a ConfigError on the first call and on later ones', () => {
    expect(() => admissionFor('key', { maxConcurrency: 0 })).toThrow(ConfigError);
    admissionFor('key', { maxConcurrency: 2 });
    expect(() => admissionFor('key', { maxConcurrency: 2, decrease: 2 })).toThrow(ConfigError);
  });
});

describe('Admission: config', () => {
  test('AdmissionConfig and its zod schema name the same fields, and every AdmissionConfig passes the schema type', () => {
    // Not toEqualTypeOf: under exactOptionalPropertyTypes zod's input adds `| undefined` to the defaulted fields.
    expectTypeOf<keyof AdmissionConfig>().toEqualTypeOf<keyof z.input<typeof admissionConfigSchema>>();
    expectTypeOf<AdmissionConfig>().toExtend<z.input<typeof admissionConfigSchema>>();
  });

  test.each([
    ['maxConcurrency', { maxConcurrency: 0 }],
    ['maxConcurrency', { maxConcurrency: 1.5 }],
    ['rpm', { maxConcurrency: 1, rpm: 0 }],
    ['tpm', { maxConcurrency: 1, tpm: -5 }],
    ['decrease', { maxConcurrency: 1, decrease: 1 }],
    ['decrease', { maxConcurrency: 1, decrease: 0 }],
    ['increaseAfter', { maxConcurrency: 1, increaseAfter: 0 }],
    ['cooldownMs', { maxConcurrency: 1, cooldownMs: -1 }],
    ['adaptive', { maxConcurrency: 1, adaptive: 'yes' }],
    ['scheduler', { maxConcurrency: 1, scheduler: {} }],
  ])('bad `%s` throws a ConfigError at creation, naming the field', (field, config) => {
    expect(() => new Admission(config as unknown as AdmissionConfig)).toThrow(ConfigError);
    expect(() => new Admission(config as unknown as AdmissionConfig)).toThrow(`admission: invalid config at \`${field}\``);
  });

  test('a missing config object throws a ConfigError', () => {
    expect(() => new Admission(undefined as unknown as AdmissionConfig)).toThrow(ConfigError);
  });

  test('a negative or non-finite token estimate throws when run is called', () => {
    const gate = new Admission({ maxConcurrency: 1 });
    expect(() => gate.run(() => of(1), -1)).toThrow('admission.run: invalid config at `estimatedTokens`');
    expect(() => gate.run(() => of(1), Number.NaN)).toThrow(ConfigError);
  });

  test('a new admission runs at the cap, unpaused, with no rate limits', () => {
    const gate = new Admission({ maxConcurrency: 8 });
    expect(gate.state).toEqual({
      concurrency: 8,
      maxConcurrency: 8,
      active: 0,
      queued: 0,
      pausedUntil: undefined,
      successRun: 0,
      rpm: undefined,
      rpmAvailable: undefined,
      tpm: undefined,
      tpmAvailable: undefined,
      tokensPerRequest: 0,
    });
  });
});
