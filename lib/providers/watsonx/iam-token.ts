/**
 * IBM Cloud IAM bearer tokens for watsonx: the API key is exchanged at `<iamUrl>/identity/token`, the token
 * is cached until shortly before it expires, and concurrent callers share one exchange in flight.
 */
import { ApiCallError } from '../../errors/api-call-error.ts';
import { fetchJson } from '../fetch-json.ts';

/** Bearer tokens of one watsonx engine. */
export interface BearerTokens {
  /** A token to call with: the cached one while it is fresh, else a new exchange (shared by every waiting call). */
  get(signal: AbortSignal): Promise<string>;
  /**
   * Forgets `token` after the API refused it, so the next `get` exchanges again. False when no new token can be
   * had: a ready token (`WATSONX_API_TOKEN`) without an API key to exchange.
   */
  refresh(token: string): boolean;
}

export interface BearerTokenSettings {
  readonly apiKey: string | undefined;
  /** A ready bearer token; used as is, without an exchange, until the API refuses it. */
  readonly token: string | undefined;
  /** IAM origin, e.g. `https://iam.cloud.ibm.com`. */
  readonly iamUrl: string;
  readonly timeoutMs: number;
  /** Clock in ms, for expiry. */
  readonly now: () => number;
}

interface CachedToken {
  readonly token: string;
  /** When to exchange again: up to 60 s before expiry (half the lifetime for short-lived tokens). */
  readonly refreshAt: number;
}

const grantType = 'urn:ibm:params:oauth:grant-type:apikey';
const refreshMarginMs = 60_000;

function iamErrorMessage(body: unknown): string | undefined {
  const { errorMessage, errorCode } = (body ?? {}) as { errorMessage?: unknown; errorCode?: unknown };
  if (typeof errorMessage !== 'string') return undefined;
  return typeof errorCode === 'string' ? `${errorCode} ${errorMessage}` : errorMessage;
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts; the promise runs on. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Creates the token source of one engine. */
export function createBearerTokens(settings: BearerTokenSettings): BearerTokens {
  const { apiKey, iamUrl, timeoutMs, now } = settings;
  const url = `${iamUrl}/identity/token`;
  const what = `IAM token exchange at ${url}`;
  let cached: CachedToken | undefined = settings.token === undefined ? undefined : { token: settings.token, refreshAt: Number.POSITIVE_INFINITY };
  let pending: Promise<CachedToken> | undefined;

  async function exchange(key: string): Promise<CachedToken> {
    const issuedAt = now();
    // Not tied to any one caller's signal: the exchange serves every call waiting on it.
    const body = await fetchJson({
      url,
      what,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: grantType, apikey: key }).toString(),
      timeoutMs,
      errorMessageOf: iamErrorMessage,
      secrets: [key],
    });
    const { access_token: token, expires_in: expiresIn, expiration } = body as { access_token?: unknown; expires_in?: unknown; expiration?: unknown };
    // expires_in is relative, so a skewed local clock does no harm; expiration (epoch seconds) is the fallback.
    const expiresAt = typeof expiresIn === 'number' ? issuedAt + expiresIn * 1000 : typeof expiration === 'number' ? expiration * 1000 : undefined;
    if (typeof token !== 'string' || token === '' || expiresAt === undefined) {
      throw new ApiCallError(`${what} answered without an access_token and its expiry`, { url: what, statusCode: 200, isRetryable: false });
    }
    return { token, refreshAt: expiresAt - Math.min(refreshMarginMs, (expiresAt - issuedAt) / 2) };
  }

  return {
    get(signal) {
      const current = cached;
      if (current !== undefined && now() < current.refreshAt) return Promise.resolve(current.token);
      if (apiKey === undefined) return Promise.reject(new ApiCallError(`${what}: no API key to exchange`, { url: what, isRetryable: false }));
      if (pending === undefined) {
        const started = exchange(apiKey).then((fresh) => {
          cached = fresh;
          return fresh;
        });
        pending = started;
        // Cleared once settled; a failure reaches every waiter, and is marked handled should they all have left.
        started.then(
          () => (pending = pending === started ? undefined : pending),
          () => (pending = pending === started ? undefined : pending),
        );
      }
      return untilAborted(
        pending.then((fresh) => fresh.token),
        signal,
      );
    },
    refresh(token) {
      if (cached?.token === token) cached = undefined;
      return apiKey !== undefined;
    },
  };
}
