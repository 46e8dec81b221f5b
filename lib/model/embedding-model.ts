import type { CallOptions } from './language-model.ts';

/** What an embedding model answered for a batch of texts: one vector per text, in text order. */
export interface EmbeddingResult {
  readonly vectors: readonly (Float32Array | readonly number[])[];
  /** Tokens of the input texts, as the service counts them (0 when it does not say). */
  readonly usage: { readonly promptTokens: number };
  /** Rate-limit response headers (`x-ratelimit-*`), lower-cased, for admission control. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The small, versioned spec of an embedding model, the twin of `LanguageModel`. Blocks never call `doEmbed`
 * directly: they go through an `EmbeddingEngine`, which adds the concurrency limit, the admission control shared
 * with LM engines of the same credential and endpoint, retries, batching and the per-text cache.
 *
 * ## Example
 * ```ts
 * import { createOpenAIEmbedding } from 'rxdgt';
 * const model = createOpenAIEmbedding({ modelId: 'text-embedding-3-small', dimensions: 256 });
 * const { vectors } = await model.doEmbed(['a text', 'another'], { signal: AbortSignal.timeout(30_000) });
 * // vectors: two Float32Array(256)
 * ```
 */
export interface EmbeddingModel {
  readonly specificationVersion: 'v1';
  /** Engine type, as in the `embedding_config` block (`openai`, `ollama`, ...). */
  readonly provider: string;
  readonly modelId: string;
  /** Where requests go; named in errors, and part of the cache key. */
  readonly endpoint: string;
  /** Opaque id of the credential (a short hash of the API key, never the key), for shared admission control. */
  readonly credential?: string;
  /** Most texts one request may carry; engines split larger batches. Absent: no limit of its own. */
  readonly maxBatchSize?: number;
  /** The vector length asked of the model (`dimensions`), when set; part of the cache key. */
  readonly dimensions?: number;
  doEmbed(texts: readonly string[], options: CallOptions): Promise<EmbeddingResult>;
  /** Resolves when the endpoint answers at all; rejects with the network error otherwise. */
  probe?(options: CallOptions): Promise<void>;
  /** Releases what the model holds (a loaded GGUF model); called when the run ends. */
  close?(): Promise<void>;
}
