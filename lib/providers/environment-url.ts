import { ConfigError } from '../errors/config-error.ts';
import { hasUrlUserinfo } from '../redact-url.ts';

/** Which engine reads the variable, for the error it may raise. */
export interface EnvironmentUrlUse {
  /** Engine type named first in the message (`openai`). */
  readonly engine: string;
  /** The block field the variable stands in for (`base_url`, `iam_url`). */
  readonly field: string;
  /** What to do instead, e.g. "credentials belong in `api_key` or OPENAI_API_KEY". */
  readonly remedy: string;
}

/**
 * The endpoint an environment variable gives an engine (OPENAI_BASE_URL, OLLAMA_HOST, ...), exactly as set, or
 * undefined when unset. A URL with a user name or password is refused: it would be printed wherever the endpoint is.
 *
 * ## Example
 * ```ts
 * process.env.OPENAI_BASE_URL = 'http://alice:s3cret@127.0.0.1:8000/v1';
 * environmentUrl('OPENAI_BASE_URL', { engine: 'openai', field: 'base_url', remedy: 'credentials belong in `api_key` or OPENAI_API_KEY, not in the URL' });
 * // throws ConfigError: openai: the OPENAI_BASE_URL environment variable holds a URL with a user name or password: credentials belong in ...
 * ```
 *
 * @throws {ConfigError} at `use.field` naming the variable, never its user name or password
 */
export function environmentUrl(variable: string, use: EnvironmentUrlUse): string | undefined {
  const value = process.env[variable];
  if (value !== undefined && hasUrlUserinfo(value)) {
    throw new ConfigError(`${use.engine}: the ${variable} environment variable holds a URL with a user name or password: ${use.remedy}`, {
      field: use.field,
    });
  }
  return value;
}
