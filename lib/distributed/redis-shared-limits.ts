/**
 * {@link SharedLimits} in Redis: one hash per credential and endpoint (its buckets, learned rates, pause and congestion
 * event) and one sorted set of concurrency leases (scored by expiry, so a dead process's leases lapse). Each
 * operation is one Lua script, atomic across every process, on Redis's own clock (`TIME`).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SharedLimits, SharedReading, SharedTake } from '../model/shared-limits.ts';

/** The settings every process of one credential and endpoint passes alike. */
export interface RedisSharedLimitsConfig {
  /** Most requests in flight over all processes (the largest `call_limit`). */
  readonly maxConcurrency: number;
  /** Configured limits; unset: learned from headers. */
  readonly rpm?: number | undefined;
  readonly tpm?: number | undefined;
  /** Seconds of a rate a bucket holds. @default 1 */
  readonly burstSeconds?: number;
  /** A lease lapses this long after its start if its process never gives it back (the request's timeout and more). */
  readonly leaseMs: number;
}

// The store's time in ms, and the level of one bucket refilled to now: {rate, capacity, tokens} or nil.
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function level(prefix, configured, burst)
  local rate = tonumber(configured)
  if rate <= 0 then rate = tonumber(redis.call('HGET', KEYS[1], prefix .. ':rate') or '0') end
  if rate <= 0 then return nil end
  local capacity = math.max(1, rate * burst / 60)
  local tokens = tonumber(redis.call('HGET', KEYS[1], prefix .. ':tokens') or tostring(capacity))
  local at = tonumber(redis.call('HGET', KEYS[1], prefix .. ':at') or tostring(now))
  return {rate, capacity, math.min(capacity, tokens + (now - at) * rate / 60000)}
end
local function keep(prefix, bucket, tokens)
  redis.call('HSET', KEYS[1], prefix .. ':tokens', tostring(tokens), prefix .. ':at', tostring(now))
end
local function touch()
  redis.call('PEXPIRE', KEYS[1], 86400000)
  redis.call('PEXPIRE', KEYS[2], 86400000)
end
`;

// ARGV: cost, cap, burst, leaseMs, rpm, tpm, lease id. Returns {1, now} or {0, wait ms} (-1: the cap is full).
const takeScript = `${prelude}
local cost, cap, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
if paused > now then return {0, paused - now} end
if redis.call('ZCARD', KEYS[2]) >= cap then return {0, -1} end
local requests = level('requests', ARGV[5], burst)
local tokens = level('tokens', ARGV[6], burst)
local function need(bucket, amount)
  if bucket == nil then return 0 end
  local missing = math.min(amount, bucket[2]) - bucket[3]
  if missing <= 0.000001 then return 0 end
  return math.max(1, math.ceil(missing * 60000 / bucket[1]))
end
local wait = math.max(need(requests, 1), need(tokens, cost))
if wait > 0 then return {0, wait} end
if requests then keep('requests', requests, requests[3] - 1) end
if tokens then keep('tokens', tokens, tokens[3] - cost) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[7])
touch()
return {1, now}
`;

// ARGV: lease id, token delta, tpm, burst.
const releaseScript = `${prelude}
redis.call('ZREM', KEYS[2], ARGV[1])
local delta = tonumber(ARGV[2])
if delta ~= 0 then
  local tokens = level('tokens', ARGV[3], tonumber(ARGV[4]))
  if tokens then keep('tokens', tokens, tokens[3] - delta) end
end
return 1
`;

// ARGV: rpm read, tpm read, remaining requests, remaining tokens ('' when absent), rpm configured, tpm configured, burst.
const learnScript = `${prelude}
local burst = tonumber(ARGV[7])
local function learn(prefix, limit, remaining, configured)
  if tonumber(configured) <= 0 and limit ~= '' and tonumber(limit) > 0 then
    local bucket = level(prefix, configured, burst)
    redis.call('HSET', KEYS[1], prefix .. ':rate', limit)
    if bucket then keep(prefix, bucket, bucket[3]) end
  end
  if remaining ~= '' then
    local bucket = level(prefix, configured, burst)
    if bucket then keep(prefix, bucket, math.min(bucket[3], tonumber(remaining))) end
  end
end
learn('requests', ARGV[1], ARGV[3], ARGV[5])
learn('tokens', ARGV[2], ARGV[4], ARGV[6])
touch()
return 1
`;

// ARGV: ms. Pauses until now + ms unless a longer pause is in force.
const pauseScript = `${prelude}
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
redis.call('HSET', KEYS[1], 'paused_until', tostring(math.max(paused, now + tonumber(ARGV[1]))))
touch()
return 1
`;

// ARGV: startedAt, ms. A request started at or before the current event's start is part of it: 0. Otherwise 1.
const throttleScript = `${prelude}
local since = tonumber(redis.call('HGET', KEYS[1], 'congestion_since') or '-1')
if tonumber(ARGV[1]) <= since then return 0 end
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused_until') or '0')
redis.call('HSET', KEYS[1], 'congestion_since', tostring(now), 'paused_until', tostring(math.max(paused, now + tonumber(ARGV[2]))))
touch()
return 1
`;

const number = (value: number | undefined): string => (value === undefined ? '' : String(value));

/**
 * The shared limits of admission key `key` in the Redis that `redis` is connected to. Every process passing the same
 * key and config shares them.
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * const limits = redisSharedLimits(new Redis('redis://127.0.0.1:6379'), 'ab12…@https://api.openai.com/v1', { maxConcurrency: 64, rpm: 600, leaseMs: 330_000 });
 * const take = await limits.take(900); // { granted: true, lease, startedAt } or { granted: false, waitMs }
 * ```
 */
export function redisSharedLimits(redis: Redis, key: string, config: RedisSharedLimitsConfig): SharedLimits {
  const keys = [`rxdgt:admission:${key}`, `rxdgt:admission:${key}:leases`];
  const burst = String(config.burstSeconds ?? 1);
  const rpm = String(config.rpm ?? 0);
  const tpm = String(config.tpm ?? 0);
  const run = (script: string, ...args: (string | number)[]): Promise<unknown> => redis.eval(script, keys.length, ...keys, ...args.map(String));
  return {
    async take(tokens: number): Promise<SharedTake> {
      const lease = randomUUID();
      const [granted, value] = (await run(takeScript, tokens, config.maxConcurrency, burst, config.leaseMs, rpm, tpm, lease)) as [number, number];
      if (granted === 1) return { granted: true, lease, startedAt: value };
      // A full house: another process's release is not announced, so ask again soon.
      return { granted: false, waitMs: value < 0 ? 20 : value };
    },
    async release(lease, tokenDelta) {
      await run(releaseScript, lease, tokenDelta, tpm, burst);
    },
    async learn(reading: SharedReading) {
      await run(learnScript, number(reading.rpm), number(reading.tpm), number(reading.remainingRequests), number(reading.remainingTokens), rpm, tpm, burst);
    },
    async pause(ms) {
      await run(pauseScript, Math.max(0, Math.round(ms)));
    },
    async throttle(startedAt, ms) {
      return (await run(throttleScript, startedAt, Math.max(0, Math.round(ms)))) === 1;
    },
  };
}
