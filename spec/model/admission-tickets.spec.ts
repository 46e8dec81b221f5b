import { NEVER, Observable, type SchedulerLike, map, timer } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { Admission, type AdmissionConfig, type AdmissionFailure } from '../../lib/model/admission.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

/** A throttle as a server says it: a 429 and its Retry-After. */
class Throttle extends Error {
  constructor(readonly retryAfterMs: number) {
    super('429');
  }
}

const failureOf = (error: unknown): AdmissionFailure | undefined => (error instanceof Throttle ? { throttle: true, retryAfterMs: error.retryAfterMs } : undefined);

describe('Admission: reports paired to their request', () => {
  const testScheduler = useTestScheduler();

  /** Runs `body` in virtual time with an Admission of `config`, a work log on its clock and `flush`. */
  function withGate(config: Omit<AdmissionConfig, 'scheduler'>, body: (gate: Admission, tools: Tools) => void): void {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const gate = new Admission({ burstSeconds: 60, ...config, scheduler });
      body(gate, { ...tools(scheduler), flush });
    });
  }

  interface Tools {
    readonly starts: [name: string, time: number][];
    readonly work: (name: string, after?: number, error?: unknown) => () => Observable<string>;
    readonly flush: () => void;
  }

  function tools(scheduler: SchedulerLike): Tools {
    const starts: [name: string, time: number][] = [];
    /** Work named `name` that, after `after` ms, answers or fails with `error`; never ends when `after` is undefined. */
    const work = (name: string, after?: number, error?: unknown) => () =>
      new Observable<string>((subscriber) => {
        starts.push([name, scheduler.now()]);
        if (after === undefined) return NEVER.subscribe(subscriber);
        return timer(after, scheduler)
          .pipe(
            map(() => {
              if (error !== undefined) throw error;
              return name;
            }),
          )
          .subscribe(subscriber);
      });
    return { starts, work, flush: () => {} };
  }

  test('slow start: `initialConcurrency` requests go until the first answer is back, then the whole limit', () => {
    withGate({ maxConcurrency: 10, initialConcurrency: 2 }, (gate, { starts, work, flush }) => {
      for (let index = 0; index < 6; index += 1) gate.run(work(`r${index}`, index === 0 ? 50 : undefined), { reportOf: () => ({}) }).subscribe({ error: () => {} });
      expect(gate.state).toMatchObject({ active: 2, queued: 4 });
      flush();
      expect(starts.map(([name, time]) => `${name}@${time}`)).toEqual(['r0@0', 'r1@0', 'r2@50', 'r3@50', 'r4@50', 'r5@50']);
    });
  });

  test('no slow start when rpm is set: the limit is known before any answer', () => {
    withGate({ maxConcurrency: 10, initialConcurrency: 2, rpm: 600 }, (gate, { work }) => {
      for (let index = 0; index < 6; index += 1) gate.run(work(`r${index}`)).subscribe();
      expect(gate.state).toMatchObject({ active: 6, queued: 0 });
    });
  });

  test('one congestion event, one cut and one pause: the 429s of requests already in flight neither cut again nor extend it', () => {
    withGate({ maxConcurrency: 8, cooldownMs: 0 }, (gate, { work, flush, starts }) => {
      // Four requests in flight answer 429 at 10, 20, 30 and 40 ms, each naming the same instant (110 ms) to come back.
      for (let index = 0; index < 4; index += 1) gate.run(work(`w${index}`, 10 * (index + 1), new Throttle(100 - 10 * index)), { failureOf }).subscribe({ error: () => {} });
      let seen: unknown;
      testScheduler().schedule(() => {
        seen = { ...gate.state };
        gate.run(work('after', 0), { failureOf }).subscribe();
      }, 45);
      flush();
      // Cut once (8 → 6), paused once: until 110, not 110 + three more pauses.
      expect(seen).toMatchObject({ concurrency: 6, pausedUntil: 110 });
      expect(starts.at(-1)).toEqual(['after', 110]);
    });
  });

  test('within one event, a server asking for a later time than the event\'s pause is heard (no second cut); a 429 without Retry-After adds no cooldown of its own', () => {
    withGate({ maxConcurrency: 8, cooldownMs: 2000 }, (gate, { work, flush }) => {
      gate.run(work('first', 10, new Throttle(100)), { failureOf }).subscribe({ error: () => {} });
      gate.run(work('longer', 20, new Throttle(30_000)), { failureOf }).subscribe({ error: () => {} });
      gate.run(work('bare', 30, new Error('429 without Retry-After')), { failureOf: () => ({ throttle: true }) }).subscribe({ error: () => {} });
      let seen: unknown;
      testScheduler().schedule(() => (seen = { ...gate.state }), 35);
      flush();
      expect(seen).toMatchObject({ concurrency: 6, pausedUntil: 30_020 });
    });
  });

  test('a report whose reading cannot be made fails its request instead of losing the answer unseen', () => {
    withGate({ maxConcurrency: 2 }, (gate, { work, flush }) => {
      const outcome: string[] = [];
      gate
        .run(work('answer', 5), {
          reportOf: () => {
            throw new Error('no usage in the answer');
          },
        })
        .subscribe({ next: (value) => outcome.push(`next ${value}`), error: (error: Error) => outcome.push(`error ${error.message}`), complete: () => outcome.push('complete') });
      flush();
      expect(outcome).toEqual(['error no usage in the answer']);
      expect(gate.state.active).toBe(0);
    });
  });

  test('the slow start shows in the state, and ends for good when a block that knows its rpm joins', () => {
    withGate({ maxConcurrency: 10, initialConcurrency: 2 }, (gate, { work }) => {
      expect(gate.state).toMatchObject({ concurrency: 10, slowStart: 2 });
      for (let index = 0; index < 5; index += 1) gate.run(work(`r${index}`)).subscribe();
      expect(gate.state.active).toBe(2);
      gate.join({ maxConcurrency: 10, rpm: 6000 });
      expect(gate.state).toMatchObject({ concurrency: 10, active: 5 });
      expect(gate.state.slowStart).toBeUndefined();
    });
  });

  test('an older answer\'s headers are not learned after a newer one\'s: its `remaining` is stale', () => {
    withGate({ maxConcurrency: 10 }, (gate, { work, flush }) => {
      const headers = (remaining: number) => ({ 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': String(remaining) });
      // The first request takes long and answers last, with the low count the server had when it arrived.
      gate.run(work('slow', 50), { reportOf: () => ({ headers: headers(0) }) }).subscribe();
      gate.run(work('quick', 10), { reportOf: () => ({ headers: headers(9) }) }).subscribe();
      let after: { rpmAvailable: number | undefined; pausedUntil: number | undefined } | undefined;
      testScheduler().schedule(() => (after = { ...gate.state }), 50);
      flush();
      expect(after?.pausedUntil).toBeUndefined();
      expect(after?.rpmAvailable).toBeGreaterThan(8);
    });
  });

  test('a request started after the pause that is throttled again is a new event: a second cut', () => {
    withGate({ maxConcurrency: 8, cooldownMs: 0 }, (gate, { work, flush }) => {
      gate.run(work('first', 10, new Throttle(100)), { failureOf }).subscribe({ error: () => {} });
      testScheduler().schedule(() => gate.run(work('second', 10, new Throttle(100)), { failureOf }).subscribe({ error: () => {} }), 20);
      flush();
      // 8 → 6 at the first event, 6 → 4 at the second (started at 110, after the first pause).
      expect(gate.state).toMatchObject({ concurrency: 4 });
    });
  });

  test('learnt headers count the requests started after the one answered: the server had not seen them', () => {
    withGate({ maxConcurrency: 10 }, (gate, { work, flush }) => {
      const headers = { 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '9' };
      gate.run(work('answered', 10), { reportOf: () => ({ headers }) }).subscribe();
      for (let index = 0; index < 4; index += 1) gate.run(work(`later${index}`)).subscribe();
      let available: number | undefined;
      testScheduler().schedule(() => (available = gate.state.rpmAvailable), 10);
      flush();
      // 9 left when the server counted `answered` (as it arrived), refilled for the 10 ms it took (0.1 at 600/min),
      // less the 4 started after it.
      expect(available).toBeCloseTo(5.1, 5);
    });
  });

  test('an answer that took long is learned with the refill of its whole latency: a slow endpoint is not starved', () => {
    withGate({ maxConcurrency: 10, burstSeconds: 1 }, (gate, { work, flush }) => {
      // The server had 0 left when it took the request; the answer comes 1,500 ms later, when 15 more were due and 2
      // were started meanwhile: 13, capped at the bucket's 10 (a busy bucket refills as it is spent, so the cap goes last).
      const headers = { 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '900ms' };
      gate.run(work('answered', 1500), { reportOf: () => ({ headers }) }).subscribe();
      for (let index = 0; index < 2; index += 1) gate.run(work(`later${index}`, 1)).subscribe();
      let available: number | undefined;
      let pausedUntil: number | undefined;
      testScheduler().schedule(() => ({ rpmAvailable: available, pausedUntil } = gate.state), 1500);
      flush();
      expect(available).toBeCloseTo(10, 5);
      // The spent limit had room again 100 ms (one request at 600/min) after the server said so, long before the answer.
      expect(pausedUntil ?? 0).toBeLessThanOrEqual(1500);
    });
  });

  test('a report pairs with its own request whatever the order answers come back in', () => {
    withGate({ maxConcurrency: 10, tpm: 1_000_000 }, (gate, { work, flush }) => {
      // The big estimate answers last; its own usage trues it up, not the small one's.
      gate.run(work('big', 30), { estimatedTokens: 5000, reportOf: () => ({ usage: { promptTokens: 5000, completionTokens: 0 } }) }).subscribe();
      gate.run(work('small', 10), { estimatedTokens: 10, reportOf: () => ({ usage: { promptTokens: 10, completionTokens: 0 } }) }).subscribe();
      let availableAfter: number | undefined;
      testScheduler().schedule(() => (availableAfter = gate.state.tpmAvailable), 30);
      flush();
      // Both charged exactly their estimates at start, and each report trued up its own: nothing more taken.
      expect(availableAfter).toBeCloseTo(1_000_000 - 5010 + (30 / 60_000) * 1_000_000, 0);
    });
  });
});
