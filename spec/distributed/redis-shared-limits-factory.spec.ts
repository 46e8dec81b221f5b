import { Redis } from 'ioredis';
import { NEVER, Observable, type Subscription, lastValueFrom, of, throwError, timer } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { redisSharedLimitsFactory } from '../../lib/distributed/redis-shared-limits-factory.ts';
import { Admission, type AdmissionConfig } from '../../lib/model/admission.ts';
import type { SharedLimits } from '../../lib/model/shared-limits.ts';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.ts';
import { waitFor } from '../helpers/wait-for.ts';

const redisUrl = useRedisServer();
const clients: Redis[] = [];
const running: Subscription[] = [];
afterEach(async () => {
  for (const subscription of running.splice(0)) subscription.unsubscribe();
  await Promise.all(clients.splice(0).map((client) => (client.status === 'end' ? undefined : client.quit())));
});

/** One process's admission over shared limits, with the store times of its starts and the reports it has told. */
interface Process {
  readonly admission: Admission;
  readonly client: Redis;
  readonly starts: number[];
  readonly told: Promise<unknown>[];
}

let keys = 0;
/** Two processes (each its own Redis connection) whose admissions share one fresh key's limits. */
function twoProcesses(config: AdmissionConfig, leaseMs?: number): [Process, Process] {
  const key = `sk-test-${process.pid}-${(keys += 1)}@http://127.0.0.1/v1`;
  const open = (): Process => {
    const client = new Redis(redisUrl());
    clients.push(client);
    const limits = redisSharedLimitsFactory(client, leaseMs === undefined ? {} : { leaseMs })(key, config);
    const starts: number[] = [];
    const told: Promise<unknown>[] = [];
    const watched: SharedLimits = {
      ...limits,
      take: async (tokens, cap) => {
        const take = await limits.take(tokens, cap);
        if (take.granted) starts.push(take.startedAt);
        return take;
      },
      learn: (reading) => remember(told, limits.learn(reading)),
      throttle: (...report) => remember(told, limits.throttle(...report)),
    };
    return { admission: new Admission({ ...config, shared: watched }), client, starts, told };
  };
  return [open(), open()];
}

function remember<T>(told: Promise<unknown>[], promise: Promise<T>): Promise<T> {
  told.push(promise);
  return promise;
}

/** Runs `count` requests of `work` through `admission` and resolves when all have ended. */
function runMany(admission: Admission, count: number, work: () => Observable<unknown>): Promise<unknown> {
  return Promise.all(Array.from({ length: count }, () => lastValueFrom(admission.run(work), { defaultValue: undefined })));
}

describe.skipIf(!redisAvailable)('Admission over Redis: every process of one credential and endpoint under one set of limits', () => {
  test('rpm 600 over two processes: after the one-second burst, the combined start rate is 600 a minute on Redis\'s clock', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 50, rpm: 600 });
    await Promise.all([runMany(a.admission, 20, () => of('a')), runMany(b.admission, 20, () => of('b'))]);
    const starts = [...a.starts, ...b.starts].sort((left, right) => left - right);
    expect(starts).toHaveLength(40);
    expect(a.starts.length).toBe(20);
    // The bucket holds a second of the rate (10): never more starts than that plus the refill since the first.
    const first = starts[0]!;
    const last = starts.at(-1)!;
    expect(starts.length).toBeLessThanOrEqual(10 + (600 * (last - first)) / 60_000 + 1);
    // After the burst, one start per refilled token: 29 intervals from the 11th start to the 40th.
    const rate = (29 * 60_000) / (last - starts[10]!);
    expect(rate).toBeGreaterThan(600 * 0.95);
    expect(rate).toBeLessThan(600 * 1.05);
  }, 20_000);

  test('a Retry-After heard by one process pauses the other; only the process that heard it cuts its concurrency', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 8, cooldownMs: 50 });
    const throttle = Object.assign(new Error('429'), { retryAfterMs: 400 });
    const failureOf = (error: unknown) => (error === throttle ? { throttle: true, retryAfterMs: 400 } : undefined);
    await lastValueFrom(a.admission.run(() => throwError(() => throttle), { failureOf })).catch(() => undefined);
    await Promise.all(a.told);
    await runMany(b.admission, 1, () => of('b'));
    expect(b.starts[0]! - a.starts[0]!).toBeGreaterThanOrEqual(400);
    expect(a.admission.state.concurrency).toBe(6);
    expect(b.admission.state.concurrency).toBe(8);
  }, 20_000);

  test('call_limit 4 over two processes: never more than 4 requests in flight together, counted in the work', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 4 });
    let inFlight = 0;
    let most = 0;
    let done = 0;
    const work = (ms: number) => () =>
      new Observable<string>((subscriber) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        const answer = timer(ms).subscribe(() => {
          done += 1;
          subscriber.next('done');
          subscriber.complete();
        });
        return () => {
          answer.unsubscribe();
          inFlight -= 1;
        };
      });
    await Promise.all([runMany(a.admission, 20, work(7)), runMany(b.admission, 20, work(3))]);
    expect(done).toBe(40);
    expect(most).toBe(4);
  }, 30_000);

  test('the leases of a process whose connection is gone lapse after leaseMs, and the other process goes on', async () => {
    const [dead, alive] = twoProcesses({ maxConcurrency: 2 }, 300);
    for (let index = 0; index < 2; index += 1) running.push(dead.admission.run(() => NEVER).subscribe());
    await waitFor(() => dead.starts.length === 2);
    dead.client.disconnect();
    await runMany(alive.admission, 1, () => of('alive'));
    // The lease lapses 300 ms after the store granted it; both starts are read here after a round trip (a few ms).
    expect(alive.starts[0]! - dead.starts[1]!).toBeGreaterThanOrEqual(290);
  }, 20_000);

  test('limits learned from one process\'s headers are obeyed by the other', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 10 });
    const headers = { 'x-ratelimit-limit-requests': '600', 'x-ratelimit-remaining-requests': '1' };
    await lastValueFrom(a.admission.run(() => of('a'), { reportOf: () => ({ headers }) }));
    await Promise.all(a.told);
    await runMany(b.admission, 3, () => of('b'));
    // One request left, then one every 100 ms (600 a minute): unlimited, all three would start in the same ms.
    const [, second, third] = b.starts;
    expect(third! - second!).toBeGreaterThanOrEqual(98);
  }, 20_000);
});
