/**
 * One JSON request over plain `fetch`, for the engines that speak REST without an SDK (watsonx, Ollama native):
 * a per-request timeout, the caller's abort passed through untouched, and every failure turned into an
 * {@link ApiCallError} whose message names the endpoint and never a secret.
 */
import { ApiCallError } from '../errors/api-call-error.ts';

/** One request to a model service. */
export interface JsonRequest {
  /** Full URL, query included. */
  readonly url: string;
  /** What errors name: `<what> answered 429: ...`. Never holds a secret. @default url */
  readonly what?: string;
  /** @default 'POST' when there is a body, else 'GET' */
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  /** The serialized body: JSON text, or a form. */
  readonly body?: string;
  /** The caller's signal: aborting it aborts the request and rejects with its reason, unwrapped. */
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
  /** The service's own error text, from its parsed error body. */
  readonly errorMessageOf: (body: unknown) => string | undefined;
  /** Strings that must never reach an error message (API keys, tokens). */
  readonly secrets?: readonly (string | undefined)[];
}

/** `Retry-After` in ms: delay seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Replaces every secret in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) if (secret) result = result.split(secret).join('[redacted]');
  return result;
}

/** The network-level reason of a failed fetch: undici wraps it as `fetch failed` with the socket error as cause. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ? `${error.message} (${cause})` : error.message;
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sends the request and resolves with the parsed JSON body of a 2xx answer. */
export async function fetchJson(request: JsonRequest): Promise<unknown> {
  const what = request.what ?? request.url;
  const { signal, timeoutMs, secrets } = request;
  if (signal?.aborted) throw signal.reason;
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: request.method ?? (request.body === undefined ? 'GET' : 'POST'),
      headers: { accept: 'application/json', ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: controller.signal,
    });
    const text = await response.text();
    const body = parsed(text);
    if (!response.ok) {
      const message = request.errorMessageOf(body) ?? (text.trim().slice(0, 200) || response.statusText);
      throw new ApiCallError(redact(`${what} answered ${response.status}: ${message}`, secrets), {
        url: what,
        statusCode: response.status,
        retryAfterMs: retryAfterMs(response.headers.get('retry-after')),
      });
    }
    // A 2xx body cut short is a transport accident, so another try may well succeed.
    if (body === undefined) {
      throw new ApiCallError(`${what} answered ${response.status} with a body that is not JSON`, { url: what, statusCode: response.status, isRetryable: true });
    }
    return body;
  } catch (error) {
    if (signal?.aborted || ApiCallError.isInstance(error)) throw error;
    if (timedOut) throw new ApiCallError(`request to ${what} timed out after ${timeoutMs} ms`, { url: what, statusCode: 408, cause: error });
    throw new ApiCallError(redact(`request to ${what} failed: ${reasonOf(error)}`, secrets), { url: what, cause: error });
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
