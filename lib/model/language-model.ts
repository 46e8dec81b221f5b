import type { ResponseFormat } from './response-format.ts';

export type { ResponseFormat } from './response-format.ts';

/** One chat message, as every OpenAI-compatible server takes it. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Generation parameters, with DGT's names mapped onto one spelling each. */
export interface GenerationParams {
  readonly temperature?: number;
  readonly maxTokens?: number;
  readonly stop?: readonly string[];
  readonly seed?: number;
  /** Number of answers per request; results carry one text per answer. */
  readonly n?: number;
  readonly topP?: number;
  /** Settings only some providers understand (Ollama's `num_ctx`, ...), sent as given. */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

/** What a block asks of a model: a chat (messages) or a completion (prompt), with parameters. */
export type ModelRequest =
  | ({ readonly method: 'chat'; readonly messages: readonly ChatMessage[]; readonly responseFormat?: ResponseFormat } & GenerationParams)
  | ({ readonly method: 'completion'; readonly prompt: string; readonly responseFormat?: ResponseFormat } & GenerationParams);

/** What a model answered. */
export interface ModelResult {
  /** One text per requested answer (`n`). */
  readonly texts: readonly string[];
  readonly finishReason: string | undefined;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  /** Rate-limit response headers (`x-ratelimit-*`, `anthropic-ratelimit-*`), lower-cased, for admission control. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Per-call options: the signal aborts the HTTP request. */
export interface CallOptions {
  readonly signal: AbortSignal;
}

/**
 * The small, versioned spec every engine implements. Blocks never call `doGenerate` directly: they go
 * through an {@link Engine}, which adds the concurrency limit, the cache and retries.
 */
export interface LanguageModel {
  readonly specificationVersion: 'v1';
  /** Engine type, as in DGT's block `type` (`openai`, `ollama`, ...). */
  readonly provider: string;
  readonly modelId: string;
  /** Where requests go; named in errors and used in the cache key. */
  readonly endpoint: string;
  /**
   * An opaque id of the credential the model calls with (a short hash of the API key, never the key), so
   * every block sharing one credential and endpoint shares one admission control. Absent: no key.
   */
  readonly credential?: string;
  doGenerate(request: ModelRequest, options: CallOptions): Promise<ModelResult>;
  /**
   * Sends several completion prompts with the same parameters as one request (vLLM and OpenAI take a prompt
   * array); answers come back in prompt order. Engines use it when their block sets `batch_size` above 1.
   */
  doGenerateBatch?(requests: readonly Extract<ModelRequest, { method: 'completion' }>[], options: CallOptions): Promise<readonly ModelResult[]>;
  /** Resolves when the endpoint answers at all; rejects with the network error otherwise. */
  probe?(options: CallOptions): Promise<void>;
  /** Releases what the model holds (a server process it started); called when the run ends. */
  close?(): Promise<void>;
}
