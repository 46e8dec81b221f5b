import { Redis } from 'ioredis';
import { afterEach, describe, expect, test } from 'vitest';
import { redisKeptLog } from '../../lib/distributed/redis-kept-log.ts';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.ts';
import { freshTaskKey } from './dedupe-workers.ts';

const redisUrl = useRedisServer();
const clients: Redis[] = [];
const client = (): Redis => {
  const made = new Redis(redisUrl(), { maxRetriesPerRequest: 1 });
  clients.push(made);
  return made;
};
afterEach(async () => {
  await Promise.all(clients.splice(0).map((each) => each.quit()));
});

const bytes = (...values: number[]) => Uint8Array.from(values);

describe.skipIf(!redisAvailable)('redisKeptLog', () => {
  test('appends only at the length the caller read; otherwise hands back the entries after it, binary-safe', async () => {
    const log = redisKeptLog(client(), freshTaskKey());
    expect(await log.append(0, bytes(0, 255, 10))).toBeUndefined();
    expect(await log.append(1, bytes(13, 0))).toBeUndefined();
    expect(await log.append(0, bytes(7))).toEqual([bytes(0, 255, 10), bytes(13, 0)]);
    expect(await log.append(1, bytes(7))).toEqual([bytes(13, 0)]);
    expect(await log.append(2, new Uint8Array(new ArrayBuffer(8), 4, 2).fill(9))).toBeUndefined();
    expect(await log.append(2, bytes(1))).toEqual([bytes(9, 9)]);
  });

  test('two clients appending at the same length at once: exactly one entry goes in', async () => {
    const scope = freshTaskKey();
    const [first, second] = [redisKeptLog(client(), scope), redisKeptLog(client(), scope)];
    const answers = await Promise.all([first.append(0, bytes(1)), second.append(0, bytes(2))]);
    expect(answers.filter((answer) => answer === undefined)).toHaveLength(1);
    const refused = answers.find((answer) => answer !== undefined);
    expect(await first.append(1, bytes(3))).toBeUndefined();
    expect(refused).toHaveLength(1);
  });

  test('a refused append brings back at most pageSize entries; the next brings the rest', async () => {
    const log = redisKeptLog(client(), freshTaskKey(), { pageSize: 2 });
    for (let length = 0; length < 5; length++) await log.append(length, bytes(length));
    expect(await log.append(0, bytes(9))).toEqual([bytes(0), bytes(1)]);
    expect(await log.append(2, bytes(9))).toEqual([bytes(2), bytes(3)]);
    expect(await log.append(4, bytes(9))).toEqual([bytes(4)]);
  });

  test('keys are rxdgt:dedupe:<hash of the scope>, expire after ttlSeconds from the last append, and clear deletes them', async () => {
    const redis = client();
    const scope = `${freshTaskKey()}:dedup`;
    const log = redisKeptLog(redis, scope, { ttlSeconds: 3600 });
    expect(log.key).toMatch(/^rxdgt:dedupe:[0-9a-f]{32}$/);
    expect(redisKeptLog(redis, scope).key).toBe(log.key);
    expect(redisKeptLog(redis, `${scope}2`).key).not.toBe(log.key);
    await log.append(0, bytes(1));
    const ttl = await redis.pttl(log.key);
    expect(ttl).toBeGreaterThan(3_500_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    await log.clear();
    expect(await redis.exists(log.key)).toBe(0);
    expect(await log.append(0, bytes(2))).toBeUndefined();
  });

  test('loads its script again when Redis has forgotten it (SCRIPT FLUSH)', async () => {
    const redis = client();
    const log = redisKeptLog(redis, freshTaskKey());
    await log.append(0, bytes(1));
    await redis.script('FLUSH');
    expect(await log.append(1, bytes(2))).toBeUndefined();
    expect(await log.append(0, bytes(3))).toEqual([bytes(1), bytes(2)]);
  });

  test('a log shorter than what was read (cleared or expired during the run) fails with a DatastoreError naming the key', async () => {
    const log = redisKeptLog(client(), freshTaskKey());
    await log.append(0, bytes(1));
    await log.clear();
    const failure = await log.append(1, bytes(2)).catch((error: unknown) => error);
    expect(DatastoreError.isInstance(failure)).toBe(true);
    expect((failure as DatastoreError).message).toMatch(new RegExp(`^redis key ${log.key} \\(dedupe scope .*\\): cannot append to the kept log: .*fewer than the 1 already read`));
  });

  test('checks its options', () => {
    const redis = {} as Redis;
    expect(() => redisKeptLog(redis, 's', { ttlSeconds: 0 })).toThrow(/`ttlSeconds` must be an integer >= 1, received 0/);
    expect(() => redisKeptLog(redis, 's', { pageSize: 1.5 })).toThrow(/`pageSize` must be an integer >= 1, received 1.5/);
  });
});
