/**
 * The Lua scripts of {@link redisSharedLimits}, one per operation, each atomic over every process and read on Redis's
 * own clock (`TIME`). KEYS[1] is the hash of one admission key (its buckets, learned rates, pause, count of starts,
 * congestion event and newest learned request), KEYS[2] the sorted set of its concurrency leases scored by expiry.
 * ARGV[1..3] are always the configured rpm and tpm (0: none, learned from headers) and the burst seconds.
 */
import { type RedisScript, redisScript } from './redis-script.ts';

// The store's time in ms; a hash field as a number; the level of one bucket refilled to now ({rate, capacity,
// tokens}, or nil without a rate); keeping a bucket's tokens; a pause that never shortens a longer one.
const prelude = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst = tonumber(ARGV[3])
local function field(name, default)
  local value = redis.call('HGET', KEYS[1], name)
  if value then return tonumber(value) end
  return default
end
local function level(prefix, configured)
  local rate = tonumber(configured)
  if rate <= 0 then rate = field(prefix .. ':rate', 0) end
  if rate <= 0 then return nil end
  local capacity = math.max(1, rate * burst / 60)
  local tokens = field(prefix .. ':tokens', capacity)
  local at = field(prefix .. ':at', now)
  return {rate, capacity, math.min(capacity, tokens + math.max(0, now - at) * rate / 60000)}
end
local function keep(prefix, tokens)
  redis.call('HSET', KEYS[1], prefix .. ':tokens', tostring(tokens), prefix .. ':at', tostring(now))
end
local function pause(ms)
  redis.call('HSET', KEYS[1], 'paused_until', tostring(math.max(field('paused_until', 0), now + ms)))
end
local function touch()
  redis.call('PEXPIRE', KEYS[1], 86400000)
  redis.call('PEXPIRE', KEYS[2], 86400000)
end
`;

/** A limits script: the shared prelude, then its body. */
function script(body: string): RedisScript {
  return redisScript(`${prelude}${body}`);
}

/** ARGV[4..7]: cost, cap, lease ms, lease id. Returns {1, now, sequence} or {0, wait ms} (-1: the cap is full). */
export const takeScript = script(`
local cost, cap = tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local paused = field('paused_until', 0)
if paused > now then return {0, paused - now} end
if redis.call('ZCARD', KEYS[2]) >= cap then return {0, -1} end
local requests, tokens = level('requests', ARGV[1]), level('tokens', ARGV[2])
local function need(bucket, amount)
  if bucket == nil then return 0 end
  local missing = math.min(amount, bucket[2]) - bucket[3]
  if missing <= 0.000001 then return 0 end
  return math.max(1, math.ceil(missing * 60000 / bucket[1] - 0.000001))
end
local wait = math.max(need(requests, 1), need(tokens, cost))
if wait > 0 then return {0, wait} end
if requests then keep('requests', requests[3] - 1) end
if tokens then keep('tokens', tokens[3] - cost) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), ARGV[7])
local sequence = redis.call('HINCRBY', KEYS[1], 'started', 1) - 1
touch()
return {1, now, sequence}
`);

/** ARGV[4..5]: lease id ('' for none), TPM tokens to charge (negative: a refund, never above the capacity). */
export const releaseScript = script(`
redis.call('ZREM', KEYS[2], ARGV[4])
local tokens = level('tokens', ARGV[2])
if tokens and tonumber(ARGV[5]) ~= 0 then keep('tokens', math.min(tokens[2], tokens[3] - tonumber(ARGV[5]))) end
return 1
`);

/** ARGV[4]: lease ms; ARGV[5..]: lease ids still held. A lease that lapsed already stays gone (XX). */
export const renewScript = script(`
for index = 5, #ARGV do redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[4]), ARGV[index]) end
return 1
`);

/**
 * ARGV[4..10]: the answered request's sequence ('' for none), rpm and tpm read, remaining requests and tokens, the
 * tokens of each later request, a pause in ms ('' for none), when the request started ('' for now): the remaining counts
 * are as of its start, refilled since. Dropped when a newer request was learned from.
 */
export const learnScript = script(`
local since = 0
if ARGV[4] ~= '' then
  if tonumber(ARGV[4]) < field('learned_from', -1) then return 0 end
  redis.call('HSET', KEYS[1], 'learned_from', ARGV[4])
  since = field('started', 0) - tonumber(ARGV[4]) - 1
end
local function learn(prefix, configured, limit, remaining, each)
  if tonumber(configured) <= 0 and limit ~= '' and tonumber(limit) > 0 then
    local bucket = level(prefix, configured)
    redis.call('HSET', KEYS[1], prefix .. ':rate', limit)
    if bucket then keep(prefix, bucket[3]) end
  end
  local bucket = level(prefix, configured)
  if bucket and remaining ~= '' then
    local left = tonumber(remaining) - since * each
    if ARGV[11] ~= '' then left = left + math.max(0, now - tonumber(ARGV[11])) * bucket[1] / 60000 end
    keep(prefix, math.min(bucket[3], bucket[2], left))
  end
end
learn('requests', ARGV[1], ARGV[5], ARGV[7], 1)
learn('tokens', ARGV[2], ARGV[6], ARGV[8], tonumber(ARGV[9]))
if ARGV[10] ~= '' then
  -- The wait counts from when the server said so: the request's start.
  local from = now
  if ARGV[11] ~= '' then from = tonumber(ARGV[11]) end
  if from + tonumber(ARGV[10]) > now then pause(from + tonumber(ARGV[10]) - now) end
end
touch()
return 1
`);

/** ARGV[4]: ms. */
export const pauseScript = script(`
pause(tonumber(ARGV[4]))
touch()
return 1
`);

/**
 * ARGV[4..6]: the throttled request's sequence, its Retry-After in ms ('' for none), the cooldown in ms. A request
 * started before the event in force began is part of it (0; only a Retry-After extends the pause); else a new event
 * begins at the current count of starts, paused for the Retry-After or the cooldown (1).
 */
export const throttleScript = script(`
if tonumber(ARGV[4]) >= field('congestion_from', 0) then
  redis.call('HSET', KEYS[1], 'congestion_from', tostring(field('started', 0)))
  if ARGV[5] ~= '' then pause(tonumber(ARGV[5])) else pause(tonumber(ARGV[6])) end
  touch()
  return 1
end
if ARGV[5] ~= '' then pause(tonumber(ARGV[5])) end
return 0
`);
