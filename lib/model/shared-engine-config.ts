import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { randomSchema, schedulerSchema } from '../schemas.ts';
import type { ModelPrice } from './attributed-usage.ts';
import { CallPolicy, type CallTarget } from './call-policy.ts';
import type { ResponseCache } from './response-cache.ts';

/** Settings every engine (LM `Engine` or `EmbeddingEngine`) has: its call policy, its caches and its price. */
export interface SharedEngineConfig {
  /** Most requests in flight at once, across every task and block that shares the engine (DGT's `call_limit`). @default 10 */
  readonly callLimit?: number;
  /** Extra tries after a retryable failure (408, 409, 429, 5xx, connection errors). @default 3 */
  readonly maxRetries?: number;
  /** First backoff delay in ms; doubles per try, with jitter, capped at 30 s. `Retry-After` wins. @default 500 */
  readonly retryDelayMs?: number;
  /** Answers kept in the in-memory cache; 0 turns it off. @default 10000 ({@link defaultCacheSize}; an LM engine's is 0 for a model that answers for free) */
  readonly cacheSize?: number;
  /** A persistent cache behind the in-memory one (DGT's `lm_cache`, e.g. `openSqliteCache(path)`). @default undefined */
  readonly diskCache?: ResponseCache;
  /** Requests per minute for the block's credential and endpoint (a token bucket); unset: none, unless the server's rate-limit headers give one. */
  readonly rpm?: number;
  /** Tokens per minute for the credential and endpoint; unset: none, unless the headers give one. */
  readonly tpm?: number;
  /** Adaptive concurrency (AIMD): cut on 429/503/529 or a timeout, grow back after a run of successes, never above `callLimit`. @default true */
  readonly adaptive?: boolean;
  /** Price of the model in US dollars per million tokens, for the cost in usage and budgets. @default no cost */
  readonly price?: ModelPrice;
  /** Scheduler for backoff waits; tests pass a virtual one. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

/** Answers an engine keeps in memory unless told otherwise. */
export const defaultCacheSize = 10_000;

/** The zod fields of {@link SharedEngineConfig}, with its defaults, for an engine's config schema to spread. */
export const sharedEngineConfigFields = {
  callLimit: z.number().int().min(1).default(10),
  maxRetries: z.number().int().min(0).default(3),
  retryDelayMs: z.number().min(0).default(500),
  cacheSize: z.number().int().min(0).default(defaultCacheSize),
  diskCache: z.custom<ResponseCache>((value) => typeof (value as ResponseCache)?.get === 'function', 'expected a ResponseCache').optional(),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  adaptive: z.boolean().default(true),
  price: z.strictObject({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }).optional(),
  scheduler: schedulerSchema,
  random: randomSchema,
};

/** A parsed {@link SharedEngineConfig}: every default filled in. */
export type ParsedSharedEngineConfig = z.output<z.ZodObject<typeof sharedEngineConfigFields>>;

/**
 * The {@link CallPolicy} of an engine of `target` (its model), from the engine's parsed config: its concurrency cap,
 * retries and the admission of the model's credential and endpoint.
 *
 * ## Example
 * ```ts
 * const config = parseConfig('engine', z.object(sharedEngineConfigFields), { callLimit: 4 });
 * const policy = sharedEngineCallPolicy({ endpoint: 'http://127.0.0.1:8000/v1' }, config);
 * policy.limiter; // at most 4 calls at once
 * ```
 */
export function sharedEngineCallPolicy(target: CallTarget & { readonly answersInBulk?: boolean }, config: ParsedSharedEngineConfig): CallPolicy {
  const { callLimit, maxRetries, retryDelayMs, rpm, tpm, adaptive, scheduler, random } = config;
  // A model whose answers come in bulk (a batch job) gets no slow start: its first answer is the whole first batch.
  const initialConcurrency = target.answersInBulk === true ? callLimit : undefined;
  return new CallPolicy(target, { callLimit, maxRetries, retryDelayMs, rpm, tpm, adaptive, scheduler, random, ...(initialConcurrency === undefined ? {} : { initialConcurrency }) });
}
