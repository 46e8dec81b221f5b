/**
 * Errors of the Stainless-generated SDKs (`@anthropic-ai/sdk`, and `openai` where it is still used), whose error
 * classes have one shape, turned into {@link ApiCallError}s.
 */
import { ApiCallError } from '../errors/api-call-error.ts';
import { rateLimitHeadersOf, redact, retryAfterOf } from './fetch-json.ts';
import { serviceMessageOf } from './service-message.ts';

/** An SDK error of a response: the status, the response headers and the parsed body. */
interface SdkApiError extends Error {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  readonly error: unknown;
}

/** The error classes a Stainless-generated SDK puts on its client class (`OpenAI`, `Anthropic`). */
export interface SdkErrorClasses {
  readonly APIError: abstract new (...args: never[]) => SdkApiError;
  readonly APIUserAbortError: abstract new (...args: never[]) => Error;
  readonly APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
}

/** The error and its causes, as undici nests them: `Connection error. (fetch failed: connect ECONNREFUSED …)`. */
function reasonOf(error: Error): string {
  const causes: string[] = [];
  for (let cause = error.cause; cause instanceof Error && causes.length < 3; cause = cause.cause) causes.push(cause.message);
  return causes.length === 0 ? error.message : `${error.message} (${causes.join(': ')})`;
}

/**
 * Turns an SDK failure into an {@link ApiCallError} naming `url`, with the status, `Retry-After` and rate-limit
 * headers; secrets are redacted from the message, and an SDK error that holds one is not kept as `cause`. An abort
 * is returned as it is, and so is anything that is not an SDK error.
 */
export function sdkErrorToApiCallError(
  error: unknown,
  sdk: SdkErrorClasses,
  context: { readonly url: string; readonly timeoutMs: number; readonly secrets: readonly (string | undefined)[] },
): unknown {
  const { url, secrets } = context;
  // Plain booleans, not type guards: the SDK classes share one shape, so each guard would narrow away the next.
  const is = (type: abstract new (...args: never[]) => unknown): boolean => error instanceof type;
  if (is(sdk.APIUserAbortError) || !is(sdk.APIError)) return error;
  const apiError = error as SdkApiError;
  if (is(sdk.APIConnectionTimeoutError)) {
    return new ApiCallError(`request to ${url} timed out after ${context.timeoutMs} ms`, { url, statusCode: 408, cause: error });
  }
  if (apiError.status === undefined) return new ApiCallError(redact(`request to ${url} failed: ${reasonOf(apiError)}`, secrets), { url, cause: error });
  const dump = `${apiError.message} ${JSON.stringify(apiError.error ?? null)}`;
  const leaks = secrets.some((secret) => secret !== undefined && secret !== '' && dump.includes(secret));
  return new ApiCallError(redact(`${url} answered ${apiError.status}: ${serviceMessageOf(apiError.error) ?? apiError.message.replace(/^\d{3} /, '')}`, secrets), {
    url,
    statusCode: apiError.status,
    retryAfterMs: retryAfterOf(apiError.headers),
    headers: rateLimitHeadersOf(apiError.headers),
    ...(leaks ? {} : { cause: error }),
  });
}
