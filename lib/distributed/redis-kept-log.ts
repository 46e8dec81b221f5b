import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { evalScript, redisScript } from './redis-script.ts';
import { DatastoreError } from '../errors/datastore-error.ts';
import type { SharedKeptLog } from './dedupe-sharing.ts';

/*
 * Compare-and-append in one round trip. KEYS[1]: the log (a Redis list); ARGV: the length the caller has read, the
 * TTL in milliseconds, how many newer entries to return at most, the entry. Returns the new length when it appended,
 * else the entries after the caller's length; an error when the log is shorter than that (cleared or expired).
 */
const appendScript = redisScript(`
local length = redis.call('LLEN', KEYS[1])
local expected = tonumber(ARGV[1])
if length < expected then
  return redis.error_reply('the log holds ' .. length .. ' entries, fewer than the ' .. expected .. ' already read: it was cleared or expired during the run')
end
if length == expected then
  redis.call('RPUSH', KEYS[1], ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return length + 1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('LRANGE', KEYS[1], expected, expected + tonumber(ARGV[3]) - 1)
`);
/** Options of {@link redisKeptLog}. */
export interface RedisKeptLogOptions {
  /** How long the log outlives its last use, in seconds; every append refreshes it. @default 604800 (7 days) */
  readonly ttlSeconds?: number | undefined;
  /** Most newer entries one refused append brings back (the next append brings the rest). @default 1000 */
  readonly pageSize?: number | undefined;
}

/** A kept log in Redis: its key, and how to delete it (a `--restart`). */
export interface RedisKeptLog extends SharedKeptLog {
  /** `rxdgt:dedupe:<first 32 hex digits of the scope's SHA-256>`. */
  readonly key: string;
  /** Deletes the log: the next run of the scope starts with nothing kept. */
  clear(): Promise<void>;
}

/**
 * The kept log of dedupe scope `scope` (`<task key>:<block name>`) as a Redis list of binary entries, appended by a
 * Lua compare-and-append script (EVALSHA, loaded on first use), so that concurrent workers keep exactly one of two
 * duplicates. The key expires `ttlSeconds` after the last append. Redis failures reject with a `DatastoreError`
 * naming the key.
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * const redis = new Redis('redis://127.0.0.1:6379');
 * shareDedupe((scope) => redisKeptLog(redis, scope)); // in a worker
 * await redisKeptLog(redis, dedupeScope('task-7', 'dedup')).clear(); // on --restart
 * ```
 */
export function redisKeptLog(redis: Redis, scope: string, options: RedisKeptLogOptions = {}): RedisKeptLog {
  const { ttlSeconds = 7 * 24 * 3600, pageSize = 1000 } = options;
  if (!(Number.isInteger(ttlSeconds) && ttlSeconds >= 1)) throw new RangeError(`redisKeptLog: \`ttlSeconds\` must be an integer >= 1, received ${ttlSeconds}`);
  if (!(Number.isInteger(pageSize) && pageSize >= 1)) throw new RangeError(`redisKeptLog: \`pageSize\` must be an integer >= 1, received ${pageSize}`);
  const key = `rxdgt:dedupe:${createHash('sha256').update(scope).digest('hex').slice(0, 32)}`;
  const where = `redis key ${key} (dedupe scope ${scope})`;

  const run = (length: number, entry: Uint8Array): Promise<unknown> =>
    evalScript(redis, appendScript, [key], [length, ttlSeconds * 1000, pageSize, Buffer.from(entry.buffer, entry.byteOffset, entry.byteLength)], { buffers: true });

  return {
    key,
    async append(length, entry) {
      let reply: unknown;
      try {
        reply = await run(length, entry);
      } catch (error) {
        throw new DatastoreError(where, 'append to the kept log', error);
      }
      if (typeof reply === 'number') return undefined;
      if (!Array.isArray(reply)) throw new DatastoreError(where, 'append to the kept log', new Error(`unexpected reply ${String(reply)}`));
      // Copies: the reply parser may hand out slices of a buffer it reuses.
      return (reply as Buffer[]).map((each) => new Uint8Array(each));
    },
    async clear() {
      try {
        await redis.del(key);
      } catch (error) {
        throw new DatastoreError(where, 'delete the kept log', error);
      }
    },
  };
}
