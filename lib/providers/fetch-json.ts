/**
 * One JSON request to a model service, on a pooled keep-alive connection (`node:http` / `node:https`, not `fetch`:
 * fetch's web streams cost about three times the CPU per call, and on two cores the client's CPU decides how close a
 * run gets to an endpoint's bound). A per-request timeout, the caller's abort passed through untouched, and every
 * failure turned into an {@link ApiCallError} whose message names the endpoint and never a secret, with the
 * `Retry-After` the server asked for and its rate-limit headers.
 */
import { type ClientRequest, type IncomingHttpHeaders, Agent as HttpAgent, type IncomingMessage, type RequestOptions, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ApiCallError } from '../errors/api-call-error.ts';
import { packageVersion } from '../package-version.ts';

/** One request to a model service. */
export interface JsonRequest {
  /** Full URL, query included. */
  readonly url: string;
  /** What errors name: `<what> answered 429: ...`. Never holds a secret. @default url */
  readonly what?: string;
  /** @default 'POST' when there is a body, else 'GET' */
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /** The serialized body: JSON text, or a form (say so in `headers`). */
  readonly body?: string;
  /** The caller's signal: aborting it aborts the request and rejects with its reason, unwrapped. */
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
  /** The service's own error text, from its parsed error body. */
  readonly errorMessageOf: (body: unknown) => string | undefined;
  /** Strings that must never reach an error message (API keys, tokens). */
  readonly secrets?: readonly (string | undefined)[];
}

/** A 2xx answer: its parsed body, and its rate-limit headers when it had any. */
export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
  /** `x-ratelimit-*` and `anthropic-ratelimit-*` headers, lower-cased; undefined when none. */
  readonly rateLimits: Readonly<Record<string, string>> | undefined;
}

/** `Retry-After` in ms: delay seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Response headers as `fetch` (a `Headers`) or `node:http` (a lower-cased record) gives them. */
export type AnyHeaders = Headers | IncomingHttpHeaders;

function headerOf(headers: AnyHeaders | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as IncomingHttpHeaders)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The wait a throttled answer asks for, in ms: the exact `retry-after-ms` (OpenAI, Azure) before `retry-after`. */
export function retryAfterOf(headers: AnyHeaders | undefined): number | undefined {
  const exact = headerOf(headers, 'retry-after-ms');
  if (exact !== undefined && exact.trim() !== '' && Number.isFinite(Number(exact)) && Number(exact) >= 0) return Number(exact);
  return retryAfterMs(headerOf(headers, 'retry-after'));
}

/** The rate-limit headers of a response (`x-ratelimit-*`, `anthropic-ratelimit-*`), lower-cased; undefined when none. */
export function rateLimitHeadersOf(headers: AnyHeaders | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  let picked: Record<string, string> | undefined;
  const pick = (value: string | string[] | undefined, name: string): void => {
    if (value === undefined || !(name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-'))) return;
    picked ??= {};
    picked[name] = Array.isArray(value) ? value.join(', ') : value;
  };
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') (headers as Headers).forEach(pick);
  else for (const name in headers) pick((headers as IncomingHttpHeaders)[name], name);
  return picked;
}

/** Replaces every secret in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) if (secret) result = result.split(secret).join('[redacted]');
  return result;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

// One pool per scheme for the whole process: sockets stay open between calls (`lifo` reuses the warmest), and as
// many open as admission lets requests through.
const pools = {
  'http:': new HttpAgent({ keepAlive: true, scheduling: 'lifo' }),
  'https:': new HttpsAgent({ keepAlive: true, scheduling: 'lifo' }),
} as const;

interface Target {
  readonly send: typeof httpRequest;
  readonly options: RequestOptions;
}

// Parsed URLs by their text: a run sends every request of an endpoint to the same few URLs.
const targets = new Map<string, Target>();
const maxTargets = 256;

function targetOf(url: string): Target {
  let target = targets.get(url);
  if (target !== undefined) return target;
  const parsedUrl = new URL(url);
  if (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:') throw new TypeError(`unsupported protocol ${parsedUrl.protocol}`);
  // As fetch: credentials go in headers, never in the URL, where logs and errors would show them.
  if (parsedUrl.username !== '' || parsedUrl.password !== '') throw new TypeError('the URL holds credentials: give them as a key or a header');
  target = {
    send: parsedUrl.protocol === 'https:' ? httpsRequest : httpRequest,
    options: {
      protocol: parsedUrl.protocol,
      hostname: parsedUrl.hostname.replace(/^\[|\]$/g, ''),
      port: parsedUrl.port,
      path: `${parsedUrl.pathname}${parsedUrl.search}`,
      agent: pools[parsedUrl.protocol],
    },
  };
  if (targets.size >= maxTargets) targets.clear();
  targets.set(url, target);
  return target;
}

/** The network-level reason of a failed request, with the socket error's code when the message lacks it. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code !== undefined && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}

interface RawAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

class TimedOut extends Error {}

// A reset this soon after a reused socket was written to is the server having closed it while idle: the request
// never reached it. Later, the server may have been working on it (a proxy cutting a long answer): never sent again.
const staleSocketMs = 1000;

/** The answer's body as text, decompressed when the server compressed it. */
function bodyStream(response: IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'br' ? createBrotliDecompress() : encoding === 'deflate' ? createInflate() : undefined;
  if (decoder === undefined) return response;
  response.on('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}

/** Sends the request on a pooled connection and reads the whole answer as text. */
function exchange(request: JsonRequest): Promise<RawAnswer> {
  const { signal, timeoutMs } = request;
  const { send, options } = targetOf(request.url);
  const headers: Record<string, string | number> = { accept: 'application/json', 'accept-encoding': 'gzip, br', 'user-agent': userAgent(), ...request.headers };
  if (request.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = Buffer.byteLength(request.body);
  }
  const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
  return new Promise<RawAnswer>((resolve, reject) => {
    let settled = false;
    let outgoing: ClientRequest | undefined;
    const finish = (error: unknown, answer?: RawAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (answer === undefined) reject(error);
      else resolve(answer);
    };
    // Aborting or timing out destroys the socket: the server sees the request go, and the pool opens a new one.
    const onAbort = (): void => {
      finish(signal?.reason);
      outgoing?.destroy();
    };
    const timer = setTimeout(() => {
      finish(new TimedOut());
      outgoing?.destroy();
    }, timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    const attempt = (first: boolean): void => {
      let answered = false;
      const sentAt = performance.now();
      // Node checks header names and values as the request is made: a bad one throws here, not as an event.
      const sending = send({ ...options, method, headers }, (response: IncomingMessage) => {
        answered = true;
        const stream = bodyStream(response);
        stream.setEncoding('utf8');
        let text = '';
        stream.on('data', (chunk: string) => {
          text += chunk;
        });
        stream.on('end', () => finish(undefined, { status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', headers: response.headers, text }));
        // A body cut short (the server's socket closed mid-answer) is an `aborted` error here.
        stream.on('error', (error) => finish(error));
      });
      outgoing = sending;
      sending.on('error', (error: NodeJS.ErrnoException) => {
        const stale = first && !answered && !settled && sending.reusedSocket && performance.now() - sentAt < staleSocketMs;
        if (stale && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) return attempt(false);
        finish(error);
      });
      sending.end(request.body);
    };
    try {
      attempt(true);
    } catch (error) {
      finish(Object.assign(error as Error, { invalidRequest: true }));
    }
  });
}

/** `rxdgt/<version> node/<version>`, sent with every request: some gateways refuse requests without one. */
function userAgent(): string {
  agent ??= `rxdgt/${packageVersion()} node/${process.versions.node}`;
  return agent;
}

let agent: string | undefined;

/**
 * Sends the request and resolves with the parsed JSON body of a 2xx answer and its rate-limit headers.
 *
 * ## Example
 * ```ts
 * const { body } = await requestJson({ url: 'http://127.0.0.1:11434/api/tags', timeoutMs: 5000, errorMessageOf: () => undefined });
 * ```
 *
 * @throws {ApiCallError} naming `what` for a non-2xx answer (with its status, `Retry-After` and rate-limit headers),
 *   a 2xx body that is not JSON (retryable), a timeout (408) or a failed connection; the signal's reason when aborted.
 */
export async function requestJson(request: JsonRequest): Promise<JsonResponse> {
  const what = request.what ?? request.url;
  const { signal, timeoutMs, secrets } = request;
  if (signal?.aborted) throw signal.reason;
  let answer: RawAnswer;
  try {
    answer = await exchange(request);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (error instanceof TimedOut) throw new ApiCallError(redact(`request to ${what} timed out after ${timeoutMs} ms`, secrets), { url: what, statusCode: 408 });
    // A header Node refuses (a control character, a non-Latin-1 value) fails every try alike: not retryable.
    const invalid = (error as { invalidRequest?: boolean }).invalidRequest === true;
    throw new ApiCallError(redact(`request to ${what} failed: ${reasonOf(error)}`, secrets), { url: what, ...(invalid ? { isRetryable: false } : { cause: error }) });
  }
  const body = parsed(answer.text);
  const rateLimits = rateLimitHeadersOf(answer.headers);
  if (answer.status < 200 || answer.status >= 300) {
    // Redacted before it is cut: a secret cut in two would no longer be found.
    const location = answer.status >= 300 && answer.status < 400 ? headerOf(answer.headers, 'location') : undefined;
    const said = location === undefined ? request.errorMessageOf(body) ?? (redact(answer.text.trim(), secrets).slice(0, 200) || answer.statusText) : `redirected to ${location}: set the endpoint to where it points`;
    throw new ApiCallError(redact(`${what} answered ${answer.status}: ${said}`, secrets), {
      url: what,
      statusCode: answer.status,
      retryAfterMs: retryAfterOf(answer.headers),
      headers: rateLimits,
    });
  }
  // A 2xx body cut short is a transport accident, so another try may well succeed.
  if (body === undefined) {
    throw new ApiCallError(redact(`${what} answered ${answer.status} with a body that is not JSON`, secrets), { url: what, statusCode: answer.status, isRetryable: true });
  }
  return { status: answer.status, body, rateLimits };
}

/** Sends the request and resolves with the parsed JSON body of a 2xx answer (see {@link requestJson}). */
export async function fetchJson(request: JsonRequest): Promise<unknown> {
  return (await requestJson(request)).body;
}
