import { redactUrl } from './redact-url.ts';

/** Keys whose values are credentials: `api_key`, `token`, `password`, `secret`, `authorization`, and their kin. */
const secretKey = /(?:^|[_-])(?:api_?key|key|token|secret|password|passwd|authorization|credentials?)$/i;

/**
 * A copy of a config value fit to write down (a task card): every value under a credential-looking key becomes
 * `***`, and URLs lose their user name and password.
 *
 * ## Example
 * ```ts
 * redactSecrets({ blocks: [{ api_key: 'sk-1', base_url: 'http://u:p@h/v1' }] }); // { blocks: [{ api_key: '***', base_url: 'http://***@h/v1' }] }
 * ```
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, secretKey.test(key) && inner !== undefined && inner !== null ? '***' : redactSecrets(inner)]));
}
