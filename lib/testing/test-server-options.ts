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

/** Settings of `startTestServer`. */
export interface TestServerOptions {
  /**
   * Latency before each answer on the generation endpoints, in ms: a number, or a function of the request index.
   * @default 0
   */
  readonly latencyMs?: number | ((index: number) => number);
  /**
   * Produces the text of one answer (choice). Called once per choice; `choice` is the choice's index in the
   * response, which for a legacy prompt array is `promptIndex * n + answerIndex`.
   * @default a unique `Question: What is the capital of region 17?\nAnswer: City 17.` pair from a counter
   */
  readonly respond?: (request: TestServerRequest, index: number, choice: number) => string;
  /** Decides a fault for the generation request with this 0-based index; undefined answers normally. */
  readonly fault?: (request: TestServerRequest, index: number) => TestServerFault | undefined;
  /** API key the server demands as `Authorization: Bearer <key>`; other requests get a 401 OpenAI-shaped error. */
  readonly apiKey?: string;
  /**
   * Whether to keep every request in `TestServer.requests`; turn off in long benchmarks to bound memory.
   * @default true
   */
  readonly recordRequests?: boolean;
  /** Port to listen on (127.0.0.1 only). @default 0, a free port */
  readonly port?: number;
}
