import { type Observable, defer, from, last, map, mergeMap, of } from 'rxjs';
import { z } from 'zod';
import { ApiCallError } from '../errors/api-call-error.ts';
import { parseConfig } from '../parse-config.ts';
import type { Usage } from '../record.ts';
import type { Admission } from './admission.ts';
import { type ModelPrice, attributedUsage } from './attributed-usage.ts';
import type { CallPolicy } from './call-policy.ts';
import { embeddingCacheKey, embeddingCodec } from './embedding-cache.ts';
import type { EmbeddingModel, EmbeddingResult } from './embedding-model.ts';
import { toFloat32Array } from './embedding-vector.ts';
import type { Limiter } from './limiter.ts';
import type { ResponseCache } from './response-cache.ts';
import { type SharedEngineConfig, sharedEngineCallPolicy, sharedEngineConfigFields } from './shared-engine-config.ts';
import { type CacheKeys, type CacheSlot, TieredCache } from './tiered-cache.ts';

/** Settings of one embedding engine: the block that owns an embedding model, its concurrency cap, batches, retries and cache. */
export interface EmbeddingEngineConfig extends SharedEngineConfig {
  /** Block name, for usage and logs. @default 'embedder' */
  readonly name?: string;
  /** Most texts per request (DGT's `batch_size`), never above the model's own `maxBatchSize`. @default 64 */
  readonly batchSize?: number;
  /** Vectors kept in memory, one per text; 0 turns it off. Embeddings are deterministic, so every text is cached. @default 10000 */
  readonly cacheSize?: number;
  /** A persistent cache behind the in-memory one (DGT's `lm_cache`, `openSqliteCache(path)`); may be the LM engines' file. */
  readonly diskCache?: ResponseCache;
  /** Price in US dollars per million input tokens (`outputPerMillion` is unused). @default no cost */
  readonly price?: ModelPrice;
}

const embeddingEngineConfigSchema = z.object({
  name: z.string().min(1).default('embedder'),
  ...sharedEngineConfigFields,
  batchSize: z.number().int().min(1).default(64),
});

/** The vectors of one `embed` call, in text order, with what they spent. */
export interface EmbeddingEngineResult {
  /** One vector per text, as the model gave it (not normalised). Shared with the cache: never write into one. */
  readonly vectors: readonly Float32Array[];
  /** Requests sent and tokens spent, attributed to `<block>: <provider>/<model>`; a call served from the cache spends none. */
  readonly usage: Usage;
  /** Whether every text came from the cache (no request was sent). */
  readonly cached: boolean;
}

/** Running totals of one embedding engine. */
export interface EmbeddingEngineStats {
  /** Requests sent to the model, retries included. */
  readonly requests: number;
  readonly retries: number;
  /** Requests that failed for good, after their retries. */
  readonly failures: number;
  /** Texts answered from the cache. */
  readonly cacheHits: number;
  /** Texts the model embedded. */
  readonly texts: number;
  /** Tokens the model reported for them. */
  readonly promptTokens: number;
}

/** The brand of every {@link EmbeddingEngine}, a `Symbol.for` key so that a second copy of the package passes too. */
export const embeddingEngineMarker = Symbol.for('rxdgt.EmbeddingEngine');

/** The texts of one call that no cache answered: where each distinct text goes, and its cache entry. */
interface Missing {
  readonly slot: CacheSlot<Float32Array> | undefined;
  readonly indexes: number[];
}

/**
 * One embedding block: an {@link EmbeddingModel} behind the same middleware as an LM `Engine`, a `CallPolicy`
 * (concurrency cap, admission shared with every LM or embedding engine of the same credential and endpoint,
 * retries honouring `Retry-After`) and a `TieredCache` (memory LRU and `lm_cache`, one entry per text). `embed`
 * sends the texts no cache knows, each distinct text once, in requests of up to `batchSize` texts.
 *
 * ## Example
 * ```ts
 * import { createEmbeddingEngine, createOpenAIEmbedding } from 'rxdgt';
 * const engine = createEmbeddingEngine(createOpenAIEmbedding({ baseURL: 'http://127.0.0.1:8000/v1', modelId: 'e5' }), { batchSize: 128 });
 * engine.embed(['a text', 'another text']).subscribe(({ vectors, usage }) => vectors.length);
 * // 2 (one request; again later: 0 requests, cached)
 * ```
 */
export class EmbeddingEngine {
  protected readonly [embeddingEngineMarker] = true;
  readonly name: string;
  readonly limiter: Limiter;
  /** Admission control shared by every engine with this model's credential and endpoint. */
  readonly admission: Admission;
  /** Most texts per request: the config's, within the model's own limit. */
  readonly batchSize: number;
  private readonly config: z.output<typeof embeddingEngineConfigSchema>;
  private readonly policy: CallPolicy;
  private readonly cache: TieredCache<Float32Array>;
  /** The cache's keys of a text: the text itself in memory, `embeddingCacheKey` on disk. */
  private readonly cacheKeys: CacheKeys<string> = {
    memory: (text) => text,
    disk: (text) => embeddingCacheKey(this.model, text),
  };
  private readonly usageKey: string;
  private readonly counters = { cacheHits: 0, texts: 0, promptTokens: 0 };

  constructor(
    readonly model: EmbeddingModel,
    config: EmbeddingEngineConfig = {},
  ) {
    this.config = parseConfig('embedding engine', embeddingEngineConfigSchema, config);
    this.name = this.config.name;
    this.policy = sharedEngineCallPolicy(model, this.config);
    this.limiter = this.policy.limiter;
    this.admission = this.policy.admission;
    this.batchSize = Math.min(this.config.batchSize, model.maxBatchSize ?? Number.POSITIVE_INFINITY);
    this.cache = new TieredCache(this.config.cacheSize, this.config.diskCache, embeddingCodec);
    this.usageKey = `${this.name}: ${model.provider}/${model.modelId}`;
  }

  get callLimit(): number {
    return this.config.callLimit;
  }

  /** Whether the engine knows its model's price, so usage has a cost. */
  get hasPrice(): boolean {
    return this.config.price !== undefined;
  }

  /** A snapshot of the running totals. */
  get stats(): EmbeddingEngineStats {
    const { requests, retries, failures } = this.policy.stats;
    return { requests, retries, failures, ...this.counters };
  }

  /**
   * The vectors of `texts`, in order. Cold and cancellable: nothing is sent until subscribed, and unsubscribing
   * aborts the requests in flight. A request that fails for good errors the whole call (a `RetryError` after
   * retries); the vectors of the requests that succeeded stay cached.
   */
  embed(texts: readonly string[]): Observable<EmbeddingEngineResult> {
    return defer(() => {
      const vectors = new Array<Float32Array>(texts.length);
      const missing = new Map<string, Missing>();
      texts.forEach((text, index) => {
        const known = missing.get(text);
        if (known) return void known.indexes.push(index);
        const slot = this.cache.slot(text, this.cacheKeys);
        const hit = slot?.get();
        if (hit) {
          this.counters.cacheHits += 1;
          vectors[index] = hit;
        } else missing.set(text, { slot, indexes: [index] });
      });
      if (missing.size === 0) {
        const usage = attributedUsage(this.usageKey, this.config.price, { calls: 0, cachedCalls: texts.length > 0 ? 1 : 0, promptTokens: 0, completionTokens: 0 });
        return of({ vectors, usage, cached: true });
      }
      const distinct = [...missing.keys()];
      const batches: string[][] = [];
      for (let start = 0; start < distinct.length; start += this.batchSize) batches.push(distinct.slice(start, start + this.batchSize));
      let promptTokens = 0;
      return from(batches).pipe(
        mergeMap((batch) =>
          this.send(batch).pipe(
            map((result) => {
              batch.forEach((text, position) => {
                const vector = toFloat32Array(result.vectors[position]!);
                const entry = missing.get(text)!;
                entry.slot?.set(vector);
                for (const index of entry.indexes) vectors[index] = vector;
              });
              promptTokens += result.usage.promptTokens;
              this.counters.texts += batch.length;
              this.counters.promptTokens += result.usage.promptTokens;
            }),
          ),
        ),
        last(),
        map(() => {
          const usage = attributedUsage(this.usageKey, this.config.price, { calls: batches.length, cachedCalls: 0, promptTokens, completionTokens: 0 });
          return { vectors, usage, cached: false };
        }),
      );
    });
  }

  /** Resolves when the endpoint answers; rejects with the network error otherwise. */
  probe(signal: AbortSignal): Promise<void> {
    return this.model.probe ? this.model.probe({ signal }) : Promise.resolve();
  }

  /** Releases what the model holds (a loaded GGUF model). */
  close(): Promise<void> {
    return this.model.close ? this.model.close() : Promise.resolve();
  }

  /** One request through the policy; an answer with the wrong number or shape of vectors fails it, without a retry. */
  private send(batch: readonly string[]): Observable<EmbeddingResult> {
    const check = async (signal: AbortSignal): Promise<EmbeddingResult> => {
      const result = await this.model.doEmbed(batch, { signal });
      const problem = problemOf(result, batch.length, this.model.dimensions);
      if (problem !== undefined) throw new ApiCallError(`${this.model.endpoint} answered ${problem}`, { url: this.model.endpoint, statusCode: 200, isRetryable: false });
      return result;
    };
    return this.policy.run(check, (result) => ({ headers: result.headers, usage: { promptTokens: result.usage.promptTokens, completionTokens: 0 } }));
  }
}

/** What is wrong with an answer: a vector count that is not the text count, or an empty or mis-sized vector. */
function problemOf(result: EmbeddingResult, texts: number, dimensions: number | undefined): string | undefined {
  if (result.vectors.length !== texts) return `${result.vectors.length} vectors for ${texts} texts`;
  const size = dimensions ?? result.vectors[0]?.length ?? 0;
  const wrong = result.vectors.findIndex((vector) => vector.length === 0 || vector.length !== size);
  if (wrong < 0) return undefined;
  const length = result.vectors[wrong]!.length;
  const which = `text ${wrong + 1} of ${texts}`;
  return length === 0 ? `an empty vector for ${which}` : `a vector of ${length} dimensions for ${which}, expected ${size}`;
}

/** Creates an {@link EmbeddingEngine}: an embedding model with its block's concurrency cap, batches, cache and retries. */
export function createEmbeddingEngine(model: EmbeddingModel, config?: EmbeddingEngineConfig): EmbeddingEngine {
  return new EmbeddingEngine(model, config);
}
