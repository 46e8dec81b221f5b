import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.ApiCallError');

/** Statuses worth another try: timeouts, conflicts, rate limits and server errors. */
export function isRetryableStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

/** One failed request to a language model: the endpoint, the status and whether a retry may help. */
export class ApiCallError extends RxdgtError {
  protected readonly [marker] = true;
  readonly url: string;
  /** HTTP status; undefined when no response arrived (connection refused, reset, timeout). */
  readonly statusCode: number | undefined;
  readonly isRetryable: boolean;
  /** Server-requested wait before the next try (`Retry-After`), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** Rate-limit response headers, lower-cased, when the server sent any. */
  readonly headers: Readonly<Record<string, string>> | undefined;

  constructor(
    message: string,
    options: {
      url: string;
      statusCode?: number | undefined;
      retryAfterMs?: number | undefined;
      isRetryable?: boolean;
      headers?: Readonly<Record<string, string>> | undefined;
      cause?: unknown;
    },
  ) {
    super(message, { cause: options.cause });
    this.url = options.url;
    this.statusCode = options.statusCode;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers;
    this.isRetryable = options.isRetryable ?? isRetryableStatus(options.statusCode);
  }

  static override isInstance = instanceGuard<ApiCallError>(marker);
}
