import type { ResponseFormat } from './response-format.ts';

export type { ResponseFormat } from './response-format.ts';

/**
 * A tool call as a chat message carries it (OpenAI's shape, which DGT passes): `arguments` is the JSON text, or the
 * parsed object as DGT's Anthropic and Ollama results hold it. Each engine sends it in its own form.
 */
export interface ChatToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string | Readonly<Record<string, unknown>> };
}

/**
 * One chat message, as every OpenAI-compatible server takes it: a system or user turn, an assistant turn (with the
 * tool calls it made, if any), or the result of one tool call (`tool_call_id` names the call it answers).
 */
export type ChatMessage =
  | { readonly role: 'system' | 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly tool_calls?: readonly ChatToolCall[] }
  | { readonly role: 'tool'; readonly content: string; readonly tool_call_id: string };

/** A function the model may call, in OpenAI's shape (as DGT passes `tools`); `parameters` is a JSON Schema. */
export interface ToolDefinition {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description?: string;
    readonly parameters?: Readonly<Record<string, unknown>>;
    readonly strict?: boolean;
  };
}

/** Which tool the model calls: none, its choice, at least one, or the named function. @default 'auto' */
export type ToolChoice = 'none' | 'auto' | 'required' | { readonly type: 'function'; readonly function: { readonly name: string } };

/** How hard a reasoning model thinks; each engine takes the levels it knows (OpenAI, watsonx, Anthropic, Ollama). */
export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

/**
 * Generation parameters, with DGT's names mapped onto one spelling each (the block field is in brackets). Each
 * engine sends them under its own wire names; one an engine cannot honour is a `ConfigError` naming the block field.
 */
export interface GenerationParams {
  /** [`temperature`] */
  readonly temperature?: number;
  /** [`max_tokens`, `max_new_tokens`, `max_completion_tokens`, `num_predict`] */
  readonly maxTokens?: number;
  /** [`stop`, `stop_sequences`] */
  readonly stop?: readonly string[];
  /** [`seed`, `random_seed`] */
  readonly seed?: number;
  /** Number of answers per request; results carry one text per answer. [`n`] */
  readonly n?: number;
  /** [`top_p`] */
  readonly topP?: number;
  /** Sample from the k most likely tokens only. [`top_k`] */
  readonly topK?: number;
  /** [`frequency_penalty`], -2 to 2. */
  readonly frequencyPenalty?: number;
  /** [`presence_penalty`], -2 to 2. */
  readonly presencePenalty?: number;
  /** Token id (as a string) to a bias from -100 (never) to 100 (always). [`logit_bias`] */
  readonly logitBias?: Readonly<Record<string, number>>;
  /** Return each answer token's log probability in `ModelResult.logprobs`. [`logprobs`] */
  readonly logprobs?: boolean;
  /** With `logprobs`: the k most likely tokens at each position too (0 to 20). [`top_logprobs`, or `logprobs: k`] */
  readonly topLogprobs?: number;
  /** Completion: the answer text starts with the prompt (OpenAI-compatible servers). [`echo`] */
  readonly echo?: boolean;
  /** `false` keeps special tokens in the answer text (vLLM); servers drop them by default. [`skip_special_tokens`] */
  readonly skipSpecialTokens?: boolean;
  /** [`reasoning_effort`] */
  readonly reasoningEffort?: ReasoningEffort;
  /** Merged into the request body last, so its keys win (HTTP engines). [`extra_body`] */
  readonly extraBody?: Readonly<Record<string, unknown>>;
  /** Completion: text appended to the prompt, which the answer continues (DGT's `continuation`); chat ignores it, as DGT does. */
  readonly continuation?: string;
  /**
   * Cache the answer even when the request samples (DGT's `force_cache`). Sent to no model: a flag for the engine's
   * cache, which today keeps deterministic requests only (`temperature: 0` or a `seed`).
   */
  readonly forceCache?: boolean;
  /** Structured output: the answer is JSON matching this schema. [`response_format: { type: json_schema, ... }`] */
  readonly responseFormat?: ResponseFormat;
  /** JSON mode: the answer is one JSON object, of no given schema. [`response_format: { type: json_object }`] */
  readonly jsonMode?: boolean;
  /** Chat: functions the model may call; calls come back in `ModelResult.toolCalls`. */
  readonly tools?: readonly ToolDefinition[];
  /** Chat, with `tools`: which tool the model calls. @default 'auto' */
  readonly toolChoice?: ToolChoice;
  /** Settings only some providers understand (Ollama's `num_ctx`, ...), sent as given. */
  readonly providerOptions?: Readonly<Record<string, unknown>>;
}

/** What a block asks of a model: a chat (messages) or a completion (prompt), with parameters. */
export type ModelRequest =
  | ({ readonly method: 'chat'; readonly messages: readonly ChatMessage[] } & GenerationParams)
  | ({ readonly method: 'completion'; readonly prompt: string } & GenerationParams);

/** One tool call of an answer, arguments parsed. */
export interface ToolCall {
  /** The call's id, to answer it with a `{ role: 'tool', tool_call_id }` message (made up when the engine gives none). */
  readonly id: string;
  readonly name: string;
  /** The arguments as a JSON object; `{}` when the model wrote something else (see `unparsedArguments`). */
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Present only when the model's arguments were not a JSON object: its text, as written. */
  readonly unparsedArguments?: string;
}

/** The log probability of one answer token, with the most likely alternatives when `topLogprobs` asked for them. */
export interface TokenLogprob {
  readonly token: string;
  readonly logprob: number;
  readonly top?: readonly { readonly token: string; readonly logprob: number }[];
}

/** What a model answered. */
export interface ModelResult {
  /** One text per requested answer (`n`); `''` for an answer that is only tool calls. */
  readonly texts: readonly string[];
  readonly finishReason: string | undefined;
  readonly usage: { readonly promptTokens: number; readonly completionTokens: number };
  /** Per answer (as `texts`), the tools it called; present when any answer called one. */
  readonly toolCalls?: readonly (readonly ToolCall[])[];
  /** Per answer (as `texts`), its tokens' log probabilities; present when `logprobs` asked and the engine gave them. */
  readonly logprobs?: readonly (readonly TokenLogprob[])[];
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
  /**
   * Answers come back together, long after their requests (a provider's batch job): admission control then holds no
   * slow start (a few requests until the first answer), which would only shrink the first batch.
   */
  readonly answersInBulk?: boolean;
  /**
   * Its answers cost nothing to make again (the offline `simulated` engine): an engine keeps no in-memory cache of
   * them unless given a `cacheSize`, since the cache's key and its kept entries would cost more than the answer.
   */
  readonly answersForFree?: boolean;
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
