import type { Redis } from 'ioredis';
import type { SharedLimitsFactory } from '../model/admission-registry.ts';
import { type RedisSharedLimitsConfig, redisSharedLimits } from './redis-shared-limits.ts';

/** Settings of the leases and commands of {@link redisSharedLimitsFactory}; the rates come from each admission. */
export type RedisSharedLimitsFactoryOptions = Pick<RedisSharedLimitsConfig, 'leaseMs' | 'timeoutMs'>;

/**
 * The factory a worker passes to `shareAdmissions`: every admission it creates then keeps its rpm and tpm buckets,
 * concurrency leases, pauses and learned limits in the Redis `redis` is connected to, shared with every process of
 * the same credential and endpoint. The rates are those of the admission's first block.
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { redisSharedLimitsFactory, shareAdmissions } from 'rxdgt';
 * shareAdmissions(redisSharedLimitsFactory(new Redis('redis://127.0.0.1:6379'), { leaseMs: 60_000 }));
 * // every admission created from now on is shared with the other workers of this Redis
 * ```
 *
 * @throws ConfigError when the options (or an admission's rates) are invalid, as each admission is created.
 */
export function redisSharedLimitsFactory(redis: Redis, options: RedisSharedLimitsFactoryOptions = {}): SharedLimitsFactory {
  return (key, config) => redisSharedLimits(redis, key, { ...options, rpm: config.rpm, tpm: config.tpm, burstSeconds: config.burstSeconds });
}
