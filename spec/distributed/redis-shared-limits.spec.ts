import { type AddressInfo, createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { type RedisSharedLimitsConfig, redisSharedLimits } from '../../lib/distributed/redis-shared-limits.ts';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
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

const granted = async (limits: SharedLimits, tokens = 0, cap = 1000) => {
  const take = await limits.take(tokens, cap);
  if (!take.granted) throw new Error(`refused: wait ${take.waitMs} ms`);
  return take;
};

describe.skipIf(!redisAvailable)('redisSharedLimits: one credential\'s limits over several processes', () => {
  test('an rpm bucket is one bucket: 60 starts over two processes, then the next waits about a second', async () => {
    const [a, b] = twoProcesses({ rpm: 60, burstSeconds: 60 });
    for (let index = 0; index < 60; index += 1) await granted(index % 2 === 0 ? a : b);
    const refused = await b.take(0, 1000);
    expect(refused.granted).toBe(false);
    if (!refused.granted) expect(refused.waitMs).toBeGreaterThan(900);
  });

  test('the concurrency cap counts every process\'s leases; a release lets the next one in', async () => {
    const [a, b] = twoProcesses({});
    const first = await granted(a, 0, 3);
    await granted(b, 0, 3);
    await granted(a, 0, 3);
    expect((await b.take(0, 3)).granted).toBe(false);
    await a.release(first.lease, 0);
    expect((await b.take(0, 3)).granted).toBe(true);
  });

  test('a process renews the leases it holds: they outlive leaseMs while it is connected', async () => {
    const [holder, other] = twoProcesses({ leaseMs: 150 });
    await granted(holder, 0, 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await other.take(0, 1)).granted).toBe(false);
  });

  test('limits learned from one process\'s headers hold for the other: the rate adopted, the bucket lowered to what remains', async () => {
    const [a, b] = twoProcesses({});
    const answered = await granted(b);
    await a.learn({ sequence: answered.sequence, rpm: 600, remainingRequests: 2, tokensPerRequest: 0 });
    await granted(b);
    await granted(b);
    const refused = await b.take(0, 1000);
    expect(refused.granted).toBe(false);
    // 600 a minute: the next token in about 100 ms.
    if (!refused.granted) expect(refused.waitMs).toBeLessThanOrEqual(100);
  });

  test('remaining counts are as of the request\'s start: a slow answer is learned with the refill of its latency', async () => {
    const [a, b] = twoProcesses({});
    const answered = await granted(b);
    // The server had nothing left when it took the request, 1.5 s ago: 15 more were due since (the bucket holds 10).
    await a.learn({ sequence: answered.sequence, startedAt: answered.startedAt - 1500, rpm: 600, remainingRequests: 0, tokensPerRequest: 0 });
    for (let index = 0; index < 9; index += 1) await granted(b);
    expect((await b.take(0, 1000)).granted).toBe(true);
    expect((await b.take(0, 1000)).granted).toBe(false);
  });

  test('an older answer\'s headers are not learned after a newer one\'s, and `remaining` loses the requests started after it', async () => {
    const [a, b] = twoProcesses({});
    const older = await granted(a);
    const newer = await granted(b);
    for (let index = 0; index < 3; index += 1) await granted(a);
    // The newer answer says 10 remain; 3 requests started after it: 7 left, then the older one's 0 is stale.
    await b.learn({ sequence: newer.sequence, rpm: 60_000, remainingRequests: 10, tokensPerRequest: 0 });
    await a.learn({ sequence: older.sequence, rpm: 60_000, remainingRequests: 0, tokensPerRequest: 0, pauseMs: 5000 });
    let starts = 0;
    while ((await a.take(0, 1000)).granted) starts += 1;
    // 7 at once (the bucket refills 1 a ms, so a few more may slip in while the loop runs); no pause.
    expect(starts).toBeGreaterThanOrEqual(7);
    expect(starts).toBeLessThan(60);
  });

  test('one congestion event, one pause, for everyone: a request already in flight adds nothing; a later one starts a new event', async () => {
    const [a, b] = twoProcesses({});
    const early = await granted(a);
    const alsoEarly = await granted(b);
    expect(await a.throttle(early.sequence, 300, 2000)).toBe(true);
    // Part of the event: no cooldown of its own, no new event.
    expect(await b.throttle(alsoEarly.sequence, undefined, 5000)).toBe(false);
    const paused = await b.take(0, 1000);
    expect(paused.granted).toBe(false);
    if (!paused.granted) expect(paused.waitMs).toBeGreaterThan(200), expect(paused.waitMs).toBeLessThanOrEqual(300);
    // A Retry-After within the event extends its pause.
    expect(await b.throttle(alsoEarly.sequence, 600, 2000)).toBe(false);
    const extended = await a.take(0, 1000);
    expect(extended.granted).toBe(false);
    if (!extended.granted) expect(extended.waitMs).toBeGreaterThan(400);
    await new Promise((resolve) => setTimeout(resolve, 620));
    const late = await granted(b);
    expect(await b.throttle(late.sequence, 100, 2000)).toBe(true);
  });

  test('a tpm charge is trued up at release (or later, on its own): tokens spent beyond the estimate are owed by every process', async () => {
    const [a, b] = twoProcesses({ tpm: 6000, burstSeconds: 60 });
    const take = await granted(a, 1000);
    await a.release(take.lease, 2000);
    await b.charge(500);
    // 6000 − 1000 − 2000 − 500 = 2500 left: 2500 more fit, 3000 do not.
    expect((await b.take(3000, 1000)).granted).toBe(false);
    expect((await b.take(2500, 1000)).granted).toBe(true);
  });

  test('a pause asked by one process holds the other', async () => {
    const [a, b] = twoProcesses({});
    await a.pause(250);
    const paused = await b.take(0, 1000);
    expect(paused.granted).toBe(false);
    if (!paused.granted) expect(paused.waitMs).toBeGreaterThan(150);
  });

  test('the admission key is hashed into the Redis key names: no credential or endpoint text reaches Redis', async () => {
    const client = new Redis(redisUrl());
    clients.push(client);
    const limits = redisSharedLimits(client, 'sk-live-secret@https://user:password@api.example.com/v1', { rpm: 60 });
    await granted(limits);
    const names = await client.keys('rxdgt:admission:*');
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) expect(name).toMatch(/^rxdgt:admission:\{[0-9a-f]{32}\}(:leases)?$/);
  });

  test('a Redis that does not answer fails the operation within timeoutMs, as a DatastoreError naming it', async () => {
    // A server that accepts the connection, reads every command and never answers one.
    const silent = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0 });
    try {
      const limits = redisSharedLimits(client, 'silent', { timeoutMs: 100 });
      const failure = await limits.take(0, 1).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(DatastoreError.isInstance(failure)).toBe(true);
      expect((failure as Error).message).toMatch(/^redis 127\.0\.0\.1:\d+ rxdgt:admission:\{[0-9a-f]+\}: cannot take an admission lease: no answer within 100 ms$/);
    } finally {
      client.disconnect();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
