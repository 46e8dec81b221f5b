import { redactUrl } from '../redact-url.ts';

/** The credentials a tool loader or engine config may carry (DGT's fields). */
export interface ToolCredentials {
  readonly bearer_token?: string | undefined;
  readonly basic_auth?: readonly [string, string] | readonly string[] | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
  readonly api_key?: { readonly value: string } | undefined;
}

/**
 * The `Authorization` header of a tool server's credentials: `Bearer <token>`, else `Basic` of `user:password`; none
 * without either.
 *
 * ## Example
 * ```ts
 * authorizationOf({ bearer_token: 'T' }); // 'Bearer T'
 * ```
 */
export function authorizationOf(config: ToolCredentials): string | undefined {
  if (config.bearer_token) return `Bearer ${config.bearer_token}`;
  if (config.basic_auth) return `Basic ${Buffer.from(config.basic_auth.join(':')).toString('base64')}`;
  return undefined;
}

/**
 * `text` a tool server said (an error, a tool's error result) with URL credentials and every secret of the config
 * (token, password, header and environment values, API key) replaced by `***`: a server that echoes its request must
 * not put them in a record or a message. Values under 4 characters are left alone (they would blank common words).
 *
 * ## Example
 * ```ts
 * blankSecrets('denied for token abcd1234', { bearer_token: 'abcd1234' }); // 'denied for token ***'
 * ```
 */
export function blankSecrets(text: string, config: ToolCredentials): string {
  const secrets = [...Object.values(config.env ?? {}), ...Object.values(config.headers ?? {}), config.bearer_token, ...(config.basic_auth ?? []), config.api_key?.value];
  return secrets
    .filter((value): value is string => typeof value === 'string' && value.length >= 4)
    .reduce((redacted, secret) => redacted.split(secret).join('***'), redactUrl(text));
}
