import type { IncomingHttpHeaders } from 'node:http';

/** One request the test server received. */
export interface TestServerRequest {
  /** The URL path without the query string, e.g. `/v1/chat/completions`. */
  readonly path: string;
  /** The JSON-parsed body; the raw text when it is not JSON; undefined when empty. */
  readonly body: any;
  /** The request headers, as Node parsed them (lower-case names). */
  readonly headers: IncomingHttpHeaders;
}

/**
 * A scripted answer beyond a plain text: tool calls (chat), token log probabilities, a finish reason. The server
 * sends it in OpenAI's shape: `message.tool_calls` with JSON-text arguments, `logprobs.content` for chat, the
 * `tokens`/`token_logprobs`/`top_logprobs` arrays for a legacy completion.
 */
export interface TestServerAnswer {
  /** The text; `null` for a message of tool calls only. @default null with tool calls, else '' */
  readonly content?: string | null;
  /** Calls the model makes (chat only); `arguments` as sent, or an object the server writes as JSON. Ids default to `call_<n>`. */
  readonly toolCalls?: readonly { readonly id?: string; readonly name: string; readonly arguments: string | Readonly<Record<string, unknown>> }[];
  /** Log probabilities of the answer's tokens, with the top alternatives of each. */
  readonly logprobs?: readonly { readonly token: string; readonly logprob: number; readonly top?: readonly { readonly token: string; readonly logprob: number }[] }[];
  /** @default 'tool_calls' with tool calls, else 'stop' */
  readonly finishReason?: string;
}

/** A misbehaviour the test server plays instead of a normal answer. */
export type TestServerFault =
  /** An OpenAI-shaped error with this status (429, 500, ...), with `Retry-After` when set; `body` replaces the error. */
  | { readonly kind: 'status'; readonly status: number; readonly retryAfterSeconds?: number; readonly body?: string }
  /** 200 with a well-formed completion envelope whose text content is garbage with no expected structure. */
  | { readonly kind: 'garbled' }
  /** Destroys the socket without answering; the client sees a connection error. */
  | { readonly kind: 'drop' }
  /** 200 with a body that is not JSON. */
  | { readonly kind: 'invalid-json' };

/** How the server's batch routes (`/v1/files` + `/v1/batches`, Azure's `/openai/...`, `/v1/messages/batches`) behave. */
export interface TestServerBatchOptions {
  /** Ms from a batch's creation until polls find it complete; a function of the batch's number. @default 0 */
  readonly completeAfterMs?: number | ((batch: number) => number);
  /** A fault for one request: `attempt` counts its tries (a resent request's id ends in `_r<try>`; its tries count together). */
  readonly itemFault?: (customId: string, attempt: number) => 'expired' | 'failed' | undefined;
  /** Refuses a batch's input file with this message (OpenAI: status `failed` with `errors.data`; Anthropic: a 400). */
  readonly rejectFile?: (lines: readonly unknown[]) => string | undefined;
  /** Told of every batch created, with the custom ids of its requests. */
  readonly onSubmit?: (batchId: string, customIds: readonly string[]) => void;
  /** Ms the answer to an OpenAI batch creation is held after the batch is made (a client killed meanwhile never hears its id). @default 0 */
  readonly createReplyDelayMs?: number;
}

/** Settings of `startTestServer`. */
export interface TestServerOptions {
  /**
   * Latency before each answer on the generation endpoints, in ms: a number, or a function of the request index.
   * @default 0
   */
  readonly latencyMs?: number | ((index: number) => number);
  /**
   * Produces one answer (choice): its text, or a {@link TestServerAnswer} with tool calls or log probabilities. Called
   * once per choice; `choice` is the choice's index in the response, which for a legacy prompt array is
   * `promptIndex * n + answerIndex`. Every request is recorded in `TestServer.requests`, so a test can check what was sent.
   * @default a unique `Question: What is the capital of region 17?\nAnswer: City 17.` pair from a counter
   */
  readonly respond?: (request: TestServerRequest, index: number, choice: number) => string | TestServerAnswer;
  /** Decides a fault for the generation request with this 0-based index; undefined answers normally. */
  readonly fault?: (request: TestServerRequest, index: number) => TestServerFault | undefined;
  /** API key the server demands as `Authorization: Bearer <key>`; other requests get a 401 OpenAI-shaped error. */
  readonly apiKey?: string;
  /**
   * Whether to keep every request in `TestServer.requests`; turn off in long benchmarks to bound memory.
   * @default true
   */
  readonly recordRequests?: boolean;
  /** The provider batch routes' behaviour (their answers come from `respond`, as direct calls' do). @default {} */
  readonly batches?: TestServerBatchOptions;
  /** Port to listen on (127.0.0.1 only). @default 0, a free port */
  readonly port?: number;
}
