import stableStringify from 'fast-json-stable-stringify';
import { LRUCache } from 'lru-cache';
import { type Observable, type SchedulerLike, catchError, defer, map, of, retry, tap, throwError, timer } from 'rxjs';
import { z } from 'zod';
import { ApiCallError } from '../errors/api-call-error.ts';
import { RetryError } from '../errors/retry-error.ts';
import { parseConfig } from '../parse-config.ts';
import { engineMarker, randomSchema, schedulerSchema } from '../schemas.ts';
import { fromAbortable } from './abortable.ts';
import { generationParamsSchema } from './generation-params.ts';
import type { Usage } from '../record.ts';
import type { GenerationParams, LanguageModel, ModelRequest, ModelResult } from './language-model.ts';
import { type CompletionRequest, CompletionBatcher } from './completion-batcher.ts';
import { Limiter } from './limiter.ts';
import type { Admission } from './admission.ts';
import { admissionFor } from './admission-registry.ts';
import { type ResponseCache, cacheKey } from './response-cache.ts';

/** Settings of one engine: the block that owns a model, its concurrency cap, retries and cache. */
export interface EngineConfig {
  /** Block name, as in the builder YAML. @default 'generator' */
  readonly name?: string;
  /** Most requests in flight at once, across every task that shares the engine (DGT's `call_limit`). @default 10 */
  readonly callLimit?: number;
  /** Extra tries after a retryable failure (408, 409, 429, 5xx, connection errors). @default 3 */
  readonly maxRetries?: number;
  /** First backoff delay in ms; doubles per try, with jitter, capped at 30 s. `Retry-After` wins. @default 500 */
  readonly retryDelayMs?: number;
  /**
   * Answers kept in the in-memory cache, keyed on the rendered request; 0 turns it off. Only deterministic
   * requests are cached (`temperature: 0`, or a `seed`): a sampling request always goes to the model. @default 10000
   */
  readonly cacheSize?: number;
  /**
   * A persistent cache behind the in-memory one (DGT's `lm_cache`, e.g. `openSqliteCache(path)`), with the same
   * deterministic-requests-only rule; a rerun of a finished run is answered from it. @default undefined
   */
  readonly diskCache?: ResponseCache;
  /** Requests per minute for the block's credential and endpoint (a token bucket); unset: none, unless the server's rate-limit headers give one. */
  readonly rpm?: number;
  /** Tokens per minute for the credential and endpoint; unset: none, unless the headers give one. */
  readonly tpm?: number;
  /** Adaptive concurrency (AIMD): cut on 429/503/529 or a timeout, grow back after a run of successes, never above `callLimit`. @default true */
  readonly adaptive?: boolean;
  /**
   * Completion prompts sent together in one request, as vLLM and OpenAI allow (DGT's `batch_size`): requests
   * with the same parameters made in the same turn of the event loop. Chat requests always go one by one. @default 1
   */
  readonly batchSize?: number;
  /** Price of the model in US dollars per million tokens, for the cost in usage and budgets. @default no cost */
  readonly price?: ModelPrice;
  /** Generation parameters sent with every request of this block (the block's YAML defaults). @default {} */
  readonly params?: GenerationParams;
  /** Scheduler for backoff waits; tests pass a virtual one. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /** Source of jitter in [0, 1). @default Math.random */
  readonly random?: () => number;
}

const engineConfigSchema = z.object({
  name: z.string().min(1).default('generator'),
  callLimit: z.number().int().min(1).default(10),
  maxRetries: z.number().int().min(0).default(3),
  retryDelayMs: z.number().min(0).default(500),
  cacheSize: z.number().int().min(0).default(10_000),
  diskCache: z.custom<ResponseCache>((value) => typeof (value as ResponseCache)?.get === 'function', 'expected a ResponseCache').optional(),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  adaptive: z.boolean().default(true),
  batchSize: z.number().int().min(1).default(1),
  price: z.strictObject({ inputPerMillion: z.number().min(0), outputPerMillion: z.number().min(0) }).optional(),
  params: generationParamsSchema.default({}),
  scheduler: schedulerSchema,
  random: randomSchema,
});

/** What a model costs, in US dollars per million tokens. */
export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/** A model answer as an engine returns it: whether it came from the cache, and how many tries it took. */
export interface EngineResult extends ModelResult {
  readonly cached: boolean;
}

/** Running totals of one engine, across every task that uses it. */
export interface EngineStats {
  /** Requests sent to the model, retries included. */
  readonly requests: number;
  readonly cacheHits: number;
  readonly retries: number;
  /** Calls that failed for good, after their retries. */
  readonly failures: number;
  /** Tokens the model reported for answered requests; cache hits spend none. */
  readonly promptTokens: number;
  readonly completionTokens: number;
}

type Counters = { -readonly [Key in keyof EngineStats]: EngineStats[Key] };

/** Failures that mean "slow down": the credential pauses and its concurrency is cut. */
function isThrottle(error: unknown): error is ApiCallError {
  return ApiCallError.isInstance(error) && (error.statusCode === 429 || error.statusCode === 503 || error.statusCode === 529 || error.statusCode === 408);
}

/** Whether the same request always gets the same answer, so an earlier answer may stand in for a new call. */
function isDeterministic(request: ModelRequest): boolean {
  // Servers sample at temperature 1 when none is given.
  return request.temperature === 0 || request.seed !== undefined;
}

const maxBackoffMs = 30_000;
const maxRetryAfterMs = 60_000;

/**
 * One LM block: a {@link LanguageModel} behind a shared concurrency cap, an in-memory cache and
 * per-call retries. Created once per builder block and shared by every task of that builder.
 *
 * ## Example
 * ```ts
 * import { createEngine } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const engine = createEngine(new FakeLanguageModel({ answers: 'Question: Q?\nAnswer: A.' }), { callLimit: 4 });
 * engine.call({ method: 'chat', messages: [{ role: 'user', content: 'hi' }] }).subscribe((r) => r.texts);
 * // ['Question: Q?\nAnswer: A.']
 * ```
 */
export class Engine {
  protected readonly [engineMarker] = true;
  readonly name: string;
  readonly limiter: Limiter;
  /** Admission control shared by every engine with this model's credential and endpoint. */
  readonly admission: Admission;
  private readonly usageKey: string;
  /** Gathers completion prompts into one request when the block's `batch_size` is above 1 and the model can. */
  private readonly batcher: CompletionBatcher | undefined;
  private readonly counters: Counters = { requests: 0, cacheHits: 0, retries: 0, failures: 0, promptTokens: 0, completionTokens: 0 };
  private readonly config: z.output<typeof engineConfigSchema>;
  private readonly cache: LRUCache<string, ModelResult> | undefined;

  constructor(
    readonly model: LanguageModel,
    config: EngineConfig = {},
  ) {
    this.config = parseConfig('engine', engineConfigSchema, config);
    this.name = this.config.name;
    this.limiter = new Limiter(this.config.callLimit);
    this.usageKey = `${this.name}: ${model.provider}/${model.modelId}`;
    const batch = model.doGenerateBatch?.bind(model);
    this.batcher =
      batch && this.config.batchSize > 1 ? new CompletionBatcher(this.config.batchSize, (requests) => this.send((signal) => batch(requests, { signal }))) : undefined;
    this.cache = this.config.cacheSize > 0 ? new LRUCache({ max: this.config.cacheSize }) : undefined;
    const { callLimit, rpm, tpm, adaptive, scheduler } = this.config;
    this.admission = admissionFor(`${model.credential ?? 'no-credential'}@${model.endpoint}`, {
      maxConcurrency: callLimit,
      adaptive,
      scheduler,
      ...(rpm === undefined ? {} : { rpm }),
      ...(tpm === undefined ? {} : { tpm }),
    });
  }

  get callLimit(): number {
    return this.config.callLimit;
  }

  /** A snapshot of the running totals; later calls do not change it. */
  get stats(): EngineStats {
    return { ...this.counters };
  }

  /** Whether the engine knows its model's price, so usage has a cost. */
  get hasPrice(): boolean {
    return this.config.price !== undefined;
  }

  /** The block's default generation parameters. */
  get params(): GenerationParams {
    return this.config.params;
  }

  /** Sends one request; cold, cancellable (unsubscribing aborts the HTTP request), retried per call. */
  call(request: ModelRequest): Observable<EngineResult> {
    return defer(() => {
      // A sampling request must reach the model: a cached answer would repeat itself (and stall generation on duplicates).
      const deterministic = isDeterministic(request);
      const memory = deterministic ? this.cache : undefined;
      const disk = deterministic ? this.config.diskCache : undefined;
      const memoryKey = memory && stableStringify([this.model.provider, this.model.endpoint, this.model.modelId, request]);
      const diskKey = disk && cacheKey(this.model, request);
      const hit = (memoryKey === undefined ? undefined : memory?.get(memoryKey)) ?? (diskKey === undefined ? undefined : disk?.get(diskKey));
      if (hit) {
        this.counters.cacheHits += 1;
        if (memoryKey !== undefined) memory?.set(memoryKey, hit);
        return of({ ...hit, cached: true });
      }
      const batcher = request.method === 'completion' ? this.batcher : undefined;
      const answer$ = batcher ? batcher.submit(request as CompletionRequest) : this.send((signal) => this.model.doGenerate(request, { signal }));
      return answer$.pipe(
        map((result): EngineResult => {
          this.counters.promptTokens += result.usage.promptTokens;
          this.counters.completionTokens += result.usage.completionTokens;
          const { headers: _headers, ...answer } = result;
          if (memoryKey !== undefined) memory?.set(memoryKey, answer);
          if (diskKey !== undefined) disk?.set(diskKey, answer);
          return { ...answer, cached: false };
        }),
      );
    });
  }

  /**
   * One model call through the block's limiter and the credential's admission, retried on its own: a
   * `RetryError` carries every attempt once the retries run out.
   */
  private send<T extends ModelResult | readonly ModelResult[]>(call: (signal: AbortSignal) => Promise<T>): Observable<T> {
    const errors: unknown[] = [];
    return defer(() => {
      this.counters.requests += 1;
      return this.limiter.run(() => this.admission.run(() => fromAbortable(call)));
    }).pipe(
      tap((result) => {
        for (const answer of Array.isArray(result) ? (result as readonly ModelResult[]) : [result as ModelResult]) {
          if (answer.headers) this.admission.observeHeaders(answer.headers);
          this.admission.succeeded(answer.usage);
        }
      }),
      retry({ count: this.config.maxRetries, delay: (error: unknown, tries) => this.backoff(error, tries, errors) }),
      catchError((error: unknown) => {
        this.counters.failures += 1;
        const all = errors.at(-1) === error ? errors : [...errors, error];
        if (all.length === 1) return throwError(() => error);
        // Retries stop either because they ran out or because the last error is not worth another try.
        const reason = ApiCallError.isInstance(error) && error.isRetryable ? 'max_retries_exceeded' : 'not_retryable';
        return throwError(() => new RetryError(reason, all));
      }),
    );
  }

  /** What one answer spent, attributed to `<block>: <provider>/<model>`; a cache hit spends no tokens and costs nothing. */
  usageOf(result: EngineResult): Usage {
    const { promptTokens, completionTokens } = result.cached ? { promptTokens: 0, completionTokens: 0 } : result.usage;
    const price = this.config.price;
    const costUsd = price ? (promptTokens * price.inputPerMillion + completionTokens * price.outputPerMillion) / 1e6 : 0;
    const usage = { calls: result.cached ? 0 : 1, cachedCalls: result.cached ? 1 : 0, promptTokens, completionTokens, costUsd };
    return { ...usage, byModel: { [this.usageKey]: usage } };
  }

  /** Resolves when the endpoint answers; rejects with the network error otherwise. */
  probe(signal: AbortSignal): Promise<void> {
    return this.model.probe ? this.model.probe({ signal }) : Promise.resolve();
  }

  private backoff(error: unknown, tries: number, errors: unknown[]): Observable<number> {
    errors.push(error);
    if (ApiCallError.isInstance(error) && error.headers) this.admission.observeHeaders(error.headers);
    // Every request of the credential waits out a throttle, not only this one; the retry re-enters admission.
    if (isThrottle(error)) this.admission.throttled(error.retryAfterMs !== undefined && error.retryAfterMs <= maxRetryAfterMs ? error.retryAfterMs : undefined);
    if (!ApiCallError.isInstance(error) || !error.isRetryable) return throwError(() => error);
    this.counters.retries += 1;
    const exponential = Math.min(maxBackoffMs, this.config.retryDelayMs * 2 ** (tries - 1));
    // Like the AI SDK, a server's Retry-After is honoured up to a minute; longer asks fall back to backoff.
    const asked = error.retryAfterMs !== undefined && error.retryAfterMs <= maxRetryAfterMs ? error.retryAfterMs : undefined;
    const wait = asked ?? exponential * (0.5 + this.config.random() / 2);
    return timer(wait, this.config.scheduler);
  }
}

/** Creates an {@link Engine}: a model with its block's concurrency cap, cache and retries. */
export function createEngine(model: LanguageModel, config?: EngineConfig): Engine {
  return new Engine(model, config);
}
