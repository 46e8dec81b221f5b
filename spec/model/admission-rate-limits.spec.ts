import { NEVER, Observable, type SchedulerLike, map, merge, tap, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { describe, expect, test } from 'vitest';
import { Admission, type AdmissionConfig } from '../../lib/model/admission.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

/** Work that logs its start (name and virtual time), and answers after `duration` ms (never when undefined). */
function workLog(scheduler: SchedulerLike) {
  const starts: [name: string, time: number][] = [];
  const work = (name: string, duration?: number) => () =>
    new Observable<string>((subscriber) => {
      starts.push([name, scheduler.now()]);
      return (duration === undefined ? NEVER : timer(duration, scheduler).pipe(map(() => name))).subscribe(subscriber);
    });
  return { starts, work };
}

/** What a test of {@link useGate} gets: the gate, its scheduler and `flush`, and a work log on the same clock. */
interface GateRun extends ReturnType<typeof workLog> {
  readonly gate: Admission;
  readonly scheduler: TestScheduler;
  readonly flush: () => void;
}

/**
 * Registers a test scheduler for the calling `describe`, and returns a runner: it runs `body` in virtual time
 * with a new Admission of `config` on the test's scheduler. Call the runner inside a test.
 */
function useGate(): (config: Omit<AdmissionConfig, 'scheduler'>, body: (run: GateRun) => void) => void {
  const testScheduler = useTestScheduler();
  return (config, body) =>
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      body({ gate: new Admission({ burstSeconds: 60, ...config, scheduler }), scheduler, flush, ...workLog(scheduler) });
    });
}

/** The start time of each name, for terse expectations. */
const startOf = (starts: readonly [string, number][]) => Object.fromEntries(starts);

describe('Admission: RPM bucket', () => {
  const withGate = useGate();

  test('rpm = 60: a burst of 60 starts at once, the 61st waits 1 s, then one a second', () => {
    withGate({ maxConcurrency: 100, rpm: 60 }, ({ gate, flush, starts, work }) => {
      merge(...Array.from({ length: 65 }, (_, index) => gate.run(work(`r${index + 1}`, 0)))).subscribe();
      expect(gate.state).toMatchObject({ active: 60, queued: 5, rpm: 60, rpmAvailable: 0 });
      flush();
      expect(starts.slice(0, 60).every(([, time]) => time === 0)).toBe(true);
      expect(starts.slice(60)).toEqual([['r61', 1000], ['r62', 2000], ['r63', 3000], ['r64', 4000], ['r65', 5000]]);
    });
  });

  test('a block that joins with a tighter rpm (or the first one stated) paces the credential from then on; a looser one changes nothing', () => {
    withGate({ maxConcurrency: 100 }, ({ gate, flush, starts, work }) => {
      // A joining block's other settings (its burst) are ignored: the bucket keeps the first block's 60 s of burst.
      gate.join({ maxConcurrency: 100, rpm: 120, burstSeconds: 1 });
      gate.join({ maxConcurrency: 100, rpm: 60, burstSeconds: 1 });
      gate.join({ maxConcurrency: 100, rpm: 600, burstSeconds: 1 });
      expect(gate.state).toMatchObject({ rpm: 60, rpmAvailable: 60 });
      merge(...Array.from({ length: 62 }, (_, index) => gate.run(work(`r${index + 1}`, 0)))).subscribe();
      flush();
      expect(starts.slice(60)).toEqual([['r61', 1000], ['r62', 2000]]);
    });
  });

  test('the bucket refills continuously, never above its capacity', () => {
    withGate({ maxConcurrency: 10, rpm: 120 }, ({ gate, scheduler, flush, starts, work }) => {
      for (let index = 0; index < 120; index += 1) gate.run(work(`burst${index}`, 0)).subscribe();
      scheduler.schedule(() => expect(gate.state.rpmAvailable).toBeCloseTo(0.5), 250);
      // 120 per minute is 2 a second: after 10 s, 20 tokens are back and `late` starts at once.
      scheduler.schedule(() => gate.run(work('late', 0)).subscribe(), 10_000);
      scheduler.schedule(() => expect(gate.state.rpmAvailable).toBe(120), 600_000);
      flush();
      expect(startOf(starts)['late']).toBe(10_000);
    });
  });
});

describe('Admission: burst', () => {
  const testScheduler = useTestScheduler();

  test('by default a fresh credential bursts one second of its rate, not a minute: rpm 600 starts 10, then one every 100 ms', () => {
    testScheduler().run(({ flush }) => {
      const scheduler = testScheduler();
      const { starts, work } = workLog(scheduler);
      const gate = new Admission({ maxConcurrency: 64, rpm: 600, scheduler });
      merge(...Array.from({ length: 13 }, (_, index) => gate.run(work(`r${index + 1}`, 0)))).subscribe();
      expect(gate.state).toMatchObject({ active: 10, queued: 3 });
      flush();
      expect(starts.slice(10)).toEqual([['r11', 100], ['r12', 200], ['r13', 300]]);
    });
  });
});

describe('Admission: TPM bucket', () => {
  const withGate = useGate();

  test('estimated tokens are taken at start; a request that does not fit waits for the refill', () => {
    withGate({ maxConcurrency: 10, tpm: 1000 }, ({ gate, flush, starts, work }) => {
      for (const name of ['a', 'b', 'c']) gate.run(work(name), 400).subscribe();
      expect(gate.state).toMatchObject({ active: 2, queued: 1, tpm: 1000, tpmAvailable: 200 });
      flush();
      // c needs 200 more tokens at 1000 per minute: 12 s.
      expect(starts).toEqual([['a', 0], ['b', 0], ['c', 12_000]]);
    });
  });

  test('actual usage below the estimate gives tokens back at once', () => {
    withGate({ maxConcurrency: 10, tpm: 1000 }, ({ gate, flush, starts, work }) => {
      const reportSmall = () => gate.succeeded({ promptTokens: 60, completionTokens: 40 });
      gate.run(work('a', 10), 400).pipe(tap(reportSmall)).subscribe();
      gate.run(work('b', 10), 400).pipe(tap(reportSmall)).subscribe();
      gate.run(work('c'), 400).subscribe();
      flush();
      // At 10 ms, a's report returns 300 of its 400 tokens: 200 + 300 ≥ 400, so c starts then, not at 12 s.
      expect(starts).toEqual([['a', 0], ['b', 0], ['c', 10]]);
      // 1000 - 100 (a) - 100 (b) - 400 (c), plus 10 ms of refill.
      expect(gate.state.tpmAvailable).toBeCloseTo(400 + 10 / 60, 6);
    });
  });

  test('actual usage above the estimate is charged too, delaying the next request', () => {
    withGate({ maxConcurrency: 10, tpm: 1000 }, ({ gate, scheduler, flush, starts, work }) => {
      gate.run(work('a', 0), 100).pipe(tap(() => gate.succeeded({ promptTokens: 700, completionTokens: 300 }))).subscribe();
      scheduler.schedule(() => gate.run(work('b', 0), 100).subscribe(), 1);
      flush();
      // a used the whole minute's 1000 tokens; b's 100 come back after 6 s.
      expect(startOf(starts)).toEqual({ a: 0, b: 6000 });
    });
  });

  test('an estimate above the capacity runs on a full bucket instead of deadlocking, and its debt is waited out', () => {
    withGate({ maxConcurrency: 10, tpm: 1000 }, ({ gate, flush, starts, work }) => {
      gate.run(work('huge', 0), 5000).subscribe();
      gate.run(work('huge-again', 0), 5000).subscribe();
      flush();
      // The first leaves the bucket 4000 in debt: a full bucket again takes 5000 tokens, or 5 minutes.
      expect(startOf(starts)).toEqual({ huge: 0, 'huge-again': 300_000 });
    });
  });

  test('a head-of-line request waiting for tokens holds up smaller ones behind it (FIFO)', () => {
    withGate({ maxConcurrency: 10, tpm: 1000 }, ({ gate, flush, starts, work }) => {
      gate.run(work('first'), 900).subscribe();
      gate.run(work('big'), 500).subscribe();
      // 100 tokens are there, but `big` is ahead of it.
      gate.run(work('small'), 50).subscribe();
      flush();
      expect(startOf(starts)).toEqual({ first: 0, big: 24_000, small: 27_000 });
    });
  });

  test('without an estimate, a request is charged the average usage reported so far', () => {
    withGate({ maxConcurrency: 10, tpm: 1000 }, ({ gate, scheduler, flush, starts, work }) => {
      gate.run(work('first', 0)).pipe(tap(() => gate.succeeded({ promptTokens: 500, completionTokens: 100 }))).subscribe();
      scheduler.schedule(() => {
        expect(gate.state).toMatchObject({ tokensPerRequest: 600 });
        gate.run(work('second', 0)).subscribe();
      }, 1);
      flush();
      // 400 left after the first's 600; the second's 600 need 200 more: 12 s.
      expect(startOf(starts)).toEqual({ first: 0, second: 12_000 });
    });
  });

  test('a report pairs with the answer being delivered, whatever order the requests started in', () => {
    withGate({ maxConcurrency: 10, tpm: 10_000 }, ({ gate, scheduler, flush, work }) => {
      // The slow one started first, with the larger estimate; each reports exactly its estimate.
      gate.run(work('slow', 20), 3000).pipe(tap(() => gate.succeeded({ promptTokens: 3000, completionTokens: 0 }))).subscribe();
      gate.run(work('fast', 10), 1000).pipe(tap(() => gate.succeeded({ promptTokens: 1000, completionTokens: 0 }))).subscribe();
      scheduler.schedule(() => expect(gate.state.tpmAvailable).toBeCloseTo(6000 + (10 * 10_000) / 60_000, 6), 10);
      flush();
    });
  });
});

describe('Admission: limits learnt from response headers', () => {
  const withGate = useGate();

  const openAI = (fields: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(fields).map(([name, value]) => [`x-ratelimit-${name}`, value]));

  test('OpenAI headers: unset rpm and tpm are adopted, and the buckets drop to what remains', () => {
    withGate({ maxConcurrency: 10 }, ({ gate }) => {
      gate.observeHeaders(
        openAI({
          'limit-requests': '600',
          'limit-tokens': '150000',
          'remaining-requests': '599',
          'remaining-tokens': '149000',
          'reset-requests': '100ms',
          'reset-tokens': '400ms',
        }),
      );
      expect(gate.state).toMatchObject({ rpm: 600, rpmAvailable: 599, tpm: 150_000, tpmAvailable: 149_000, pausedUntil: undefined });
    });
  });

  test('configured limits win over the headers, which still lower the buckets', () => {
    withGate({ maxConcurrency: 10, rpm: 60, tpm: 1000 }, ({ gate }) => {
      gate.observeHeaders(openAI({ 'limit-requests': '600', 'limit-tokens': '90000', 'remaining-requests': '30', 'remaining-tokens': '5000' }));
      expect(gate.state).toMatchObject({ rpm: 60, rpmAvailable: 30, tpm: 1000, tpmAvailable: 1000 });
    });
  });

  test('a later limit header resizes an adopted bucket', () => {
    withGate({ maxConcurrency: 10 }, ({ gate }) => {
      gate.observeHeaders(openAI({ 'limit-requests': '600' }));
      gate.observeHeaders(openAI({ 'limit-requests': '300' }));
      expect(gate.state).toMatchObject({ rpm: 300, rpmAvailable: 300 });
    });
  });

  test.each([
    ['remaining-requests', 'reset-requests', '1s', 1000],
    ['remaining-requests', 'reset-requests', '6m0s', 360_000],
    ['remaining-tokens', 'reset-tokens', '20ms', 20],
    ['remaining-tokens', 'reset-tokens', '0.5s', 500],
  ])('%s of 0 pauses every request until %s (%s)', (remaining, reset, text, pause) => {
    withGate({ maxConcurrency: 10 }, ({ gate, flush, starts, work }) => {
      gate.observeHeaders(openAI({ [remaining]: '0', [reset]: text }));
      expect(gate.state.pausedUntil).toBe(pause);
      gate.run(work('queued', 0)).subscribe();
      flush();
      expect(starts).toEqual([['queued', pause]]);
    });
  });

  test('remaining 0 without a reset pauses for cooldownMs', () => {
    withGate({ maxConcurrency: 10, cooldownMs: 750 }, ({ gate }) => {
      gate.observeHeaders(openAI({ 'remaining-requests': '0' }));
      expect(gate.state.pausedUntil).toBe(750);
    });
  });

  test('an adopted, exhausted bucket then spaces requests at its rate', () => {
    withGate({ maxConcurrency: 10 }, ({ gate, flush, starts, work }) => {
      gate.observeHeaders(openAI({ 'limit-requests': '120', 'remaining-requests': '0', 'reset-requests': '200ms' }));
      for (const name of ['a', 'b', 'c']) gate.run(work(name, 0)).subscribe();
      flush();
      // 120 per minute: a token every 500 ms; the 200 ms pause ends before the first one is back.
      expect(starts).toEqual([['a', 500], ['b', 1000], ['c', 1500]]);
    });
  });

  test('Anthropic headers: limits adopted, an RFC 3339 reset read against the scheduler clock, one request\'s room awaited', () => {
    withGate({ maxConcurrency: 10 }, ({ gate, flush, starts, work }) => {
      gate.observeHeaders({
        'anthropic-ratelimit-requests-limit': '50',
        'anthropic-ratelimit-requests-remaining': '0',
        'anthropic-ratelimit-requests-reset': new Date(3000).toISOString(),
        'anthropic-ratelimit-tokens-limit': '40000',
        'anthropic-ratelimit-tokens-remaining': '39000',
      });
      // The reset is when the bucket is full again; one request's room comes after 60 s / 50.
      expect(gate.state).toMatchObject({ rpm: 50, tpm: 40_000, tpmAvailable: 39_000, pausedUntil: 1200 });
      gate.run(work('queued', 0)).subscribe();
      flush();
      expect(starts).toEqual([['queued', 1200]]);
    });
  });

  test('header names are matched in any letter case; unreadable values are ignored', () => {
    withGate({ maxConcurrency: 10 }, ({ gate }) => {
      gate.observeHeaders({ 'X-RateLimit-Limit-Requests': '600', 'x-ratelimit-limit-tokens': 'lots', 'x-ratelimit-remaining-tokens': '-1' });
      expect(gate.state).toMatchObject({ rpm: 600, tpm: undefined, pausedUntil: undefined });
      gate.observeHeaders({ 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': 'soon' });
      // An unreadable reset falls back to the cooldown.
      expect(gate.state.pausedUntil).toBe(2000);
    });
  });
});
