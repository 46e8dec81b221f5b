import { hash } from 'node:crypto';
import { Observable, Subject } from 'rxjs';
import { z } from 'zod';
import { parseConfig } from '../parse-config.ts';
import { engineMarker } from '../schemas.ts';
import { generationParamsSchema } from './generation-params.ts';
import type { Usage } from '../record.ts';
import type { CallOptions, GenerationParams, LanguageModel, ModelRequest, ModelResult } from './language-model.ts';
import { type CompletionRequest, CompletionBatcher } from './completion-batcher.ts';
import type { Limiter } from './limiter.ts';
import type { Admission } from './admission.ts';
import { attributedUsage } from './attributed-usage.ts';
import type { CallHandlers, CallPolicy, CallReport } from './call-policy.ts';
import { type ResponseCache, cacheKey } from './response-cache.ts';
import { type SharedEngineConfig, sharedEngineCallPolicy, sharedEngineConfigFields } from './shared-engine-config.ts';
import { type CacheKeys, TieredCache, modelResultCodec } from './tiered-cache.ts';
import { noCancel } from '../merge-started.ts';

export type { ModelPrice } from './attributed-usage.ts';

/** Settings of one engine: the block that owns a model, its concurrency cap, retries and cache. */
export interface EngineConfig extends SharedEngineConfig {
  /** Block name, as in the builder YAML. @default 'generator' */
  readonly name?: string;
  /**
   * Answers kept in the in-memory cache, keyed on the rendered request; 0 turns it off. Only deterministic
   * requests are cached (`temperature: 0`, or a `seed`): a sampling request always goes to the model. @default 10000
   * (0 for a model that answers for free, {@link LanguageModel.answersForFree})
   */
  readonly cacheSize?: number;
  /**
   * A persistent cache behind the in-memory one (DGT's `lm_cache`, e.g. `openSqliteCache(path)`), with the same
   * deterministic-requests-only rule; a rerun of a finished run is answered from it. @default undefined
   */
  readonly diskCache?: ResponseCache;
  /**
   * Completion prompts sent together in one request, as vLLM and OpenAI allow (DGT's `batch_size`): requests
   * with the same parameters made in the same turn of the event loop. Chat requests always go one by one. @default 1
   */
  readonly batchSize?: number;
  /** Generation parameters sent with every request of this block (the block's YAML defaults). @default {} */
  readonly params?: GenerationParams;
}

const engineConfigSchema = z.object({
  name: z.string().min(1).default('generator'),
  ...sharedEngineConfigFields,
  batchSize: z.number().int().min(1).default(1),
  params: generationParamsSchema.default({}),
});

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

/** One call of an {@link Engine} as it ended: answered (by the model or the cache) or failed for good. */
export interface EngineCall {
  /** The engine's block name. */
  readonly block: string;
  /** `<block>: <provider>/<model>`, as usage is attributed. */
  readonly usageKey: string;
  readonly provider: string;
  readonly model: string;
  /** Wall-clock times (ms since the epoch) the call was asked for and ended: queueing and retries included. */
  readonly startedAt: number;
  readonly endedAt: number;
  /**
   * When the model was first called (ms since the epoch): the limiter's and admission's waits (DGT's semaphore wait)
   * are over, a batched prompt's batch is sent. From then to `endedAt` is the model's latency, its retries included.
   * Absent for a cache hit and for a call that failed before it reached the model.
   */
  readonly calledAt?: number | undefined;
  readonly cached: boolean;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly request: ModelRequest;
  /** The answers' texts; empty when the call failed. */
  readonly texts: readonly string[];
  /** The error, when the call failed for good. */
  readonly error?: unknown;
}

/**
 * The in-memory cache's key of a request: the SHA-256 of its plain JSON, so the cache keeps 44 characters per answer,
 * not the prompt. A request built the same way gets the same key; one whose fields come in another order only misses.
 * The disk key, kept across runs, is order-free (`cacheKey`).
 */
function memoryKey(provider: string, endpoint: string | undefined, modelId: string, request: ModelRequest): string {
  return hash('sha256', JSON.stringify([provider, endpoint, modelId, request]), 'base64');
}

/** The tokens of a call that spent none (a cache hit, a failure). */
const noTokens: ModelResult['usage'] = { promptTokens: 0, completionTokens: 0 };

/** Whether the same request always gets the same answer, so an earlier answer may stand in for a new call. */
function isDeterministic(request: ModelRequest): boolean {
  // Servers sample at temperature 1 when none is given.
  return request.temperature === 0 || request.seed !== undefined;
}

/**
 * One LM block: a {@link LanguageModel} behind a shared concurrency cap, an in-memory cache and
 * per-call retries. Created once per builder block and shared by every task of that builder. Composed of the
 * middleware every engine shares: a {@link CallPolicy} (limiter, admission, retries) and a {@link TieredCache}
 * (memory and `lm_cache`), as `EmbeddingEngine` is.
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
  /** Limiter, admission and retries: the policies every call of this engine goes through. */
  private readonly policy: CallPolicy;
  /** Gathers completion prompts into one request when the block's `batch_size` is above 1 and the model can. */
  private readonly batcher: CompletionBatcher | undefined;
  private readonly counters = { cacheHits: 0, promptTokens: 0, completionTokens: 0 };
  private readonly config: z.output<typeof engineConfigSchema>;
  private readonly cache: TieredCache<ModelResult>;
  /** The cache's keys of a request: the memory's ({@link memoryKey}) and the disk's ({@link cacheKey}). */
  private readonly cacheKeys: CacheKeys<ModelRequest> = {
    memory: (request) => memoryKey(this.model.provider, this.model.endpoint, this.model.modelId, request),
    disk: (request) => cacheKey(this.model, request),
  };
  private readonly endedCalls = new Subject<EngineCall>();
  /**
   * Every call as it ends (hot: only calls made while subscribed), for telemetry and monitors. A call cancelled by
   * its subscriber does not end here.
   */
  readonly calls: Observable<EngineCall> = this.endedCalls.asObservable();

  constructor(
    readonly model: LanguageModel,
    config: EngineConfig = {},
  ) {
    this.config = parseConfig('engine', engineConfigSchema, config);
    this.name = this.config.name;
    this.policy = sharedEngineCallPolicy(model, this.config);
    this.limiter = this.policy.limiter;
    this.admission = this.policy.admission;
    this.usageKey = `${this.name}: ${model.provider}/${model.modelId}`;
    const batch = model.doGenerateBatch?.bind(model);
    this.batcher =
      batch && this.config.batchSize > 1
        ? new CompletionBatcher(this.config.batchSize, (requests, sent) =>
            this.send((options) => {
              sent();
              return batch(requests, options);
            }),
          )
        : undefined;
    // A free model's answer costs less than remembering it (its key, and entries kept alive across many calls).
    const cacheSize = config.cacheSize === undefined && model.answersForFree === true ? 0 : this.config.cacheSize;
    this.cache = new TieredCache(cacheSize, this.config.diskCache, modelResultCodec);
  }

  get callLimit(): number {
    return this.config.callLimit;
  }

  /** A snapshot of the running totals; later calls do not change it. */
  get stats(): EngineStats {
    const { requests, retries, failures } = this.policy.stats;
    return { requests, retries, failures, ...this.counters };
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
    return new Observable<EngineResult>((subscriber) => this.start(request, subscriber));
  }

  /**
   * {@link Engine.call} without an Observable of its own, for an operator that has one already (a call per record:
   * one subscription fewer each). Starts at once: `handlers` hear of the answer (`next`, then `complete`) or of the
   * failure (`error`, a cache that cannot be read included), once; the function returned cancels the call, and
   * nothing is heard of it after, a cancel from inside `next` included. Handlers must not throw.
   *
   * ## Example
   * ```ts
   * import { createEngine } from 'rxdgt';
   * import { FakeLanguageModel } from 'rxdgt/testing';
   * const engine = createEngine(new FakeLanguageModel({ answers: 'Paris.' }));
   * const cancel = engine.start({ method: 'completion', prompt: 'Capital of France?' }, { next: (r) => console.log(r.texts), error: console.error, complete: () => undefined });
   * // ['Paris.']; cancel() before the answer would have aborted the call
   * ```
   */
  start(request: ModelRequest, caller: CallHandlers<EngineResult>): () => void {
    const startedAt = Date.now();
    // When the model was first called: set by the try that passed the limiter and admission (or the batch's send).
    let calledAt: number | undefined;
    // Told its end, or cancelled: the caller hears nothing more.
    let done = false;
    const failed = (error: unknown): void => {
      if (done) return;
      done = true;
      this.ended(request, startedAt, calledAt, false, noTokens, [], error);
      caller.error(error);
    };
    let stop: () => void;
    try {
      // A sampling request must reach the model: a cached answer would repeat itself (and stall generation on duplicates).
      const slot = isDeterministic(request) ? this.cache.slot(request, this.cacheKeys) : undefined;
      const hit = slot?.get();
      if (hit) {
        done = true;
        this.counters.cacheHits += 1;
        this.ended(request, startedAt, undefined, true, noTokens, hit.texts);
        caller.next(engineResultOf(hit, true));
        caller.complete();
        return noCancel;
      }
      const answered: CallHandlers<ModelResult> = {
        next: (result) => {
          if (done) return;
          let answer: EngineResult;
          try {
            this.counters.promptTokens += result.usage.promptTokens;
            this.counters.completionTokens += result.usage.completionTokens;
            const kept = withoutHeaders(result);
            slot?.set(kept);
            this.ended(request, startedAt, calledAt, false, result.usage, result.texts);
            answer = engineResultOf(kept, false);
          } catch (error) {
            return failed(error);
          }
          caller.next(answer);
        },
        error: failed,
        complete: () => {
          if (done) return;
          done = true;
          caller.complete();
        },
      };
      const batcher = request.method === 'completion' ? this.batcher : undefined;
      // A batched prompt waits in its batch's Observable; a call of its own goes through the policy directly.
      if (batcher) {
        const waiting = batcher
          .submit(request as CompletionRequest, () => {
            calledAt ??= Date.now();
          })
          .subscribe(answered);
        stop = () => waiting.unsubscribe();
      } else
        stop = this.policy.startCall(
          (options) => {
            calledAt ??= Date.now();
            return this.model.doGenerate(request, options);
          },
          reportOfAnswer,
          answered,
        );
    } catch (error) {
      // A cache that cannot be read (or a key that cannot be made) fails the call, as it failed `call`'s subscription.
      failed(error);
      return noCancel;
    }
    return () => {
      done = true;
      stop();
    };
  }

  /** Tells the engine's `calls` listeners, if any, that a call ended. */
  private ended(request: ModelRequest, startedAt: number, calledAt: number | undefined, cached: boolean, usage: ModelResult['usage'], texts: readonly string[], error?: unknown): void {
    if (!this.endedCalls.observed) return;
    const { provider, modelId } = this.model;
    const { promptTokens, completionTokens } = usage;
    // Every field written, `calledAt` too when there is none: one shape for every call's object.
    const call: { -readonly [K in keyof EngineCall]: EngineCall[K] } = { block: this.name, usageKey: this.usageKey, provider, model: modelId, startedAt, calledAt, endedAt: Date.now(), cached, promptTokens, completionTokens, request, texts };
    if (error !== undefined) call.error = error;
    this.endedCalls.next(call);
  }

  /** One model call (or packed prompts in one request) through the engine's {@link CallPolicy}: one report per request. */
  private send<T extends ModelResult | readonly ModelResult[]>(call: (options: CallOptions) => Promise<T>): Observable<T> {
    return this.policy.runCall(call, reportOfAnswer);
  }

  /** What one answer spent, attributed to `<block>: <provider>/<model>`; a cache hit spends no tokens and costs nothing. */
  usageOf(result: EngineResult): Usage {
    if (result.cached) return attributedUsage(this.usageKey, this.config.price, { calls: 0, cachedCalls: 1, promptTokens: 0, completionTokens: 0 });
    const { promptTokens, completionTokens } = result.usage;
    return attributedUsage(this.usageKey, this.config.price, { calls: 1, cachedCalls: 0, promptTokens, completionTokens });
  }

  /** Resolves when the endpoint answers; rejects with the network error otherwise. */
  probe(signal: AbortSignal): Promise<void> {
    return this.model.probe ? this.model.probe({ signal }) : Promise.resolve();
  }
}

/** Creates an {@link Engine}: a model with its block's concurrency cap, cache and retries. */
export function createEngine(model: LanguageModel, config?: EngineConfig): Engine {
  return new Engine(model, config);
}

/** An answer without its response headers (they are admission's, not the cache's nor the caller's); the answer itself when it has none. */
function withoutHeaders(result: ModelResult): ModelResult {
  if (!('headers' in result)) return result;
  const { headers: _headers, ...kept } = result;
  return kept;
}

/**
 * An answer as the engine returns it: a copy with `cached` set after its fields (a spread with an override takes a
 * slow path in V8), so the cache's entry stays as it was stored.
 */
function engineResultOf(result: ModelResult, cached: boolean): EngineResult {
  const answer = Object.assign({}, result) as ModelResult & { cached: boolean };
  answer.cached = cached;
  return answer;
}

/** What an answer (one prompt's, or packed prompts' in one request) tells admission. */
function reportOfAnswer(result: ModelResult | readonly ModelResult[]): CallReport {
  return Array.isArray(result) ? requestReportOf(result as readonly ModelResult[]) : (result as ModelResult);
}

/** What one request of packed prompts spent: the usage of its prompts summed, its headers (the same on each). */
function requestReportOf(results: readonly ModelResult[]): CallReport {
  // No answer, no usage: nothing to true the charge up with, and no success to count.
  if (results.length === 0) return {};
  let promptTokens = 0;
  let completionTokens = 0;
  for (const result of results) {
    promptTokens += result.usage.promptTokens;
    completionTokens += result.usage.completionTokens;
  }
  return { headers: results[0]?.headers, usage: { promptTokens, completionTokens } };
}
