/**
 * {@link SharedLimits} in Redis: one hash per admission key (its buckets, learned rates, pause, count of starts and
 * congestion event) and one sorted set of concurrency leases scored by expiry. Each operation is one Lua script
 * (`redis-limits-scripts.ts`), atomic across every process, on Redis's own clock. A process renews the leases it holds
 * every third of `leaseMs`, so a lease of a process that died or lost its connection lapses within `leaseMs`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { type RedisScript, evalScript } from './redis-script.ts';
import { z } from 'zod';
import { DatastoreError } from '../errors/datastore-error.ts';
import type { SharedLimits, SharedReading, SharedTake } from '../model/shared-limits.ts';
import { parseConfig } from '../parse-config.ts';
import { learnScript, pauseScript, releaseScript, renewScript, takeScript, throttleScript } from './redis-limits-scripts.ts';

/** The settings every process of one admission key passes alike. */
export interface RedisSharedLimitsConfig {
  /** Configured requests per minute; unset: learned from headers. */
  readonly rpm?: number | undefined;
  /** Configured tokens per minute; unset: learned from headers. */
  readonly tpm?: number | undefined;
  /** Seconds of a rate a bucket holds. @default 1 */
  readonly burstSeconds?: number | undefined;
  /** A lease not renewed (its process died or lost Redis) lapses this long after its last renewal. @default 30000 */
  readonly leaseMs?: number | undefined;
  /** A Redis command not answered within this fails (a take fails its request). @default 10000 */
  readonly timeoutMs?: number | undefined;
}

const configSchema = z.object({
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  burstSeconds: z.number().gt(0).max(60).default(1),
  leaseMs: z.number().int().min(30).default(30_000),
  timeoutMs: z.number().int().min(1).default(10_000),
});

// How soon a process asks again when every lease is out.
const fullHouseWaitMs = 20;

const text = (value: number | undefined): string => (value === undefined ? '' : String(value));

/**
 * The shared limits of admission key `key` in the Redis `redis` is connected to; every process passing the same key
 * and config shares them. The key is hashed into the Redis key names, so a credential in it never reaches Redis.
 * A command that fails or is not answered within `timeoutMs` rejects with a `DatastoreError` naming it.
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { redisSharedLimits } from './redis-shared-limits.ts';
 * const limits = redisSharedLimits(new Redis('redis://127.0.0.1:6379'), 'ab12…@https://api.openai.com/v1', { rpm: 600 });
 * const take = await limits.take(900, 64);
 * // { granted: true, lease: '…', sequence: 0, startedAt: 1764434035123 }; later: { granted: false, waitMs: 87 }
 * ```
 *
 * @throws ConfigError when the config is invalid.
 */
export function redisSharedLimits(redis: Redis, key: string, config: RedisSharedLimitsConfig = {}): SharedLimits {
  const { rpm, tpm, burstSeconds, leaseMs, timeoutMs } = parseConfig('redis shared limits', configSchema, config);
  // A hash tag, so that both keys of a script sit on one node of a cluster.
  const name = `rxdgt:admission:{${createHash('sha256').update(key).digest('hex').slice(0, 32)}}`;
  const keys = [name, `${name}:leases`];
  const where = `redis ${redis.options.path ?? `${redis.options.host}:${redis.options.port}`} ${name}`;
  const settings = [String(rpm ?? 0), String(tpm ?? 0), String(burstSeconds)];

  const run = async (script: RedisScript, action: string, ...args: (string | number)[]): Promise<unknown> => {
    const argv = [...settings, ...args.map(String)];
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const answer = evalScript(redis, script, keys, argv);
    try {
      return await Promise.race([answer, late]);
    } catch (error) {
      throw new DatastoreError(where, action, error);
    } finally {
      clearTimeout(timer);
    }
  };

  // Leases this process holds, renewed while there are any.
  const held = new Set<string>();
  let renewal: NodeJS.Timeout | undefined;
  const renew = () => {
    if (held.size === 0) {
      clearInterval(renewal);
      renewal = undefined;
      return;
    }
    // A renewal that fails is tried again next time; its leases lapse if none gets through.
    run(renewScript, 'renew admission leases', leaseMs, ...held).catch(() => undefined);
  };

  return {
    async take(tokens: number, cap: number): Promise<SharedTake> {
      const lease = randomUUID();
      const [granted, value, sequence] = (await run(takeScript, 'take an admission lease', tokens, cap, leaseMs, lease)) as [number, number, number];
      // A full house: another process's release is not announced, so ask again soon.
      if (granted !== 1) return { granted: false, waitMs: value < 0 ? fullHouseWaitMs : value };
      held.add(lease);
      renewal ??= setInterval(renew, leaseMs / 3).unref();
      return { granted: true, lease, sequence, startedAt: value };
    },
    async release(lease, tokenDelta) {
      held.delete(lease);
      await run(releaseScript, 'release an admission lease', lease, tokenDelta);
    },
    async charge(tokens) {
      await run(releaseScript, 'charge admission tokens', '', tokens);
    },
    async learn(reading: SharedReading) {
      const { sequence, rpm: rpmRead, tpm: tpmRead, remainingRequests, remainingTokens, tokensPerRequest, pauseMs, startedAt } = reading;
      await run(learnScript, 'learn rate limits', text(sequence), text(rpmRead), text(tpmRead), text(remainingRequests), text(remainingTokens), tokensPerRequest, text(pauseMs), text(startedAt));
    },
    async pause(ms) {
      await run(pauseScript, 'pause admissions', Math.max(0, Math.round(ms)));
    },
    async throttle(sequence, retryAfterMs, cooldownMs) {
      const retryAfter = retryAfterMs === undefined ? undefined : Math.max(0, Math.round(retryAfterMs));
      return (await run(throttleScript, 'report a throttle', sequence, text(retryAfter), Math.round(cooldownMs))) === 1;
    },
  };
}
