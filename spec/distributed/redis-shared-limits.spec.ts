import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { type RedisSharedLimitsConfig, redisSharedLimits } from '../../lib/distributed/redis-shared-limits.ts';
import type { SharedLimits } from '../../lib/model/shared-limits.ts';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.ts';

const redisUrl = useRedisServer();
const clients: Redis[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

let keys = 0;
/** Two processes' views of one fresh admission key: each has its own connection. */
function twoProcesses(config: RedisSharedLimitsConfig): [SharedLimits, SharedLimits] {
  const key = `spec-${process.pid}-${(keys += 1)}`;
  const open = () => {
    const client = new Redis(redisUrl(), { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(client);
    return redisSharedLimits(client, key, config);
  };
  return [open(), open()];
}

const granted = async (limits: SharedLimits, tokens = 0) => {
  const take = await limits.take(tokens);
  if (!take.granted) throw new Error(`refused: wait ${take.waitMs} ms`);
  return take;
};

describe.skipIf(!redisAvailable)('redisSharedLimits: one credential\'s limits over several processes', () => {
  test('an rpm bucket is one bucket: 60 starts over two processes, then the next waits about a second', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 1000, rpm: 60, burstSeconds: 60, leaseMs: 60_000 });
    for (let index = 0; index < 60; index += 1) await granted(index % 2 === 0 ? a : b);
    const refused = await b.take(0);
    expect(refused.granted).toBe(false);
    if (!refused.granted) expect(refused.waitMs).toBeGreaterThan(900);
  });

  test('the concurrency cap counts every process\'s leases; a release lets the next one in', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 3, leaseMs: 60_000 });
    const first = await granted(a);
    await granted(b);
    await granted(a);
    expect((await b.take(0)).granted).toBe(false);
    await a.release(first.lease, 0);
    expect((await b.take(0)).granted).toBe(true);
  });

  test('the leases of a process that died lapse after leaseMs', async () => {
    const [dead, alive] = twoProcesses({ maxConcurrency: 2, leaseMs: 150 });
    await granted(dead);
    await granted(dead);
    expect((await alive.take(0)).granted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await alive.take(0)).granted).toBe(true);
  });

  test('limits learned from one process\'s headers hold for the other: the rate adopted, the bucket lowered to what remains', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 100, leaseMs: 60_000 });
    await granted(b);
    await a.learn({ rpm: 600, remainingRequests: 2 });
    await granted(b);
    await granted(b);
    const refused = await b.take(0);
    expect(refused.granted).toBe(false);
    // 600 a minute: the next token in about 100 ms.
    if (!refused.granted) expect(refused.waitMs).toBeLessThanOrEqual(100);
  });

  test('one congestion event, one pause, for everyone: a request already in flight adds nothing; a later one starts a new event', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 100, leaseMs: 60_000 });
    const early = await granted(a);
    const alsoEarly = await granted(b);
    expect(await a.throttle(early.startedAt, 300)).toBe(true);
    expect(await b.throttle(alsoEarly.startedAt, 5000)).toBe(false);
    const paused = await b.take(0);
    expect(paused.granted).toBe(false);
    if (!paused.granted) expect(paused.waitMs).toBeGreaterThan(200), expect(paused.waitMs).toBeLessThanOrEqual(300);
    await new Promise((resolve) => setTimeout(resolve, 320));
    const late = await granted(b);
    expect(await b.throttle(late.startedAt, 100)).toBe(true);
  });

  test('a tpm charge is trued up at release: tokens spent beyond the estimate are owed by every process', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 100, tpm: 6000, burstSeconds: 60, leaseMs: 60_000 });
    const take = await granted(a, 1000);
    await a.release(take.lease, 2000);
    // 6000 − 1000 − 2000 = 3000 left: 3000 more fit, 4000 do not.
    expect((await b.take(4000)).granted).toBe(false);
    expect((await b.take(3000)).granted).toBe(true);
  });

  test('a pause asked by one process holds the other', async () => {
    const [a, b] = twoProcesses({ maxConcurrency: 100, leaseMs: 60_000 });
    await a.pause(250);
    const paused = await b.take(0);
    expect(paused.granted).toBe(false);
    if (!paused.granted) expect(paused.waitMs).toBeGreaterThan(150);
  });
});
