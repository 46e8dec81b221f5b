import { redactUrl } from './redact-url.ts';

/**
 * The message of anything thrown, for issues and log lines, with the credentials of any URL in it hidden (an SDK
 * or fetch error may quote the endpoint it was given): its user name and password, and the values of its
 * credential query parameters (`redactUrl`).
 *
 * ## Example
 * ```ts
 * errorMessage(new Error('request to https://bob:pw@host/v1?api-key=G failed')); // 'request to https://***@host/v1?api-key=*** failed'
 * errorMessage(42);                                                              // '42'
 * ```
 */
export function errorMessage(error: unknown): string {
  return redactUrl(error instanceof Error ? error.message : String(error));
}
