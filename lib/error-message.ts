import { redactUrl } from './redact-url.ts';

/**
 * The message of anything thrown, for issues and log lines, with the user name and password of any URL in it
 * hidden (an SDK or fetch error may quote the endpoint it was given).
 */
export function errorMessage(error: unknown): string {
  return redactUrl(error instanceof Error ? error.message : String(error));
}
