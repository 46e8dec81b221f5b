import { isCredentialName } from './credential-name.ts';
import { redactUrl } from './redact-url.ts';

/**
 * A copy of a config value fit to write down (a task card): every value under a credential-named key becomes
 * `***`, whole (a string, a number, an object or an array alike), and every string loses the credentials of the
 * URLs it quotes (`redactUrl`). Key names are judged by their last word (`isCredentialName`): `api_key`, `apiToken`,
 * `clientSecret`, `Authorization`, `X-Api-Key` (a `headers` mapping included) and a key named just `key` are hidden;
 * `max_tokens`, `token_budget` and `dedup_key` are kept; every value of an `env` mapping (an MCP server's process
 * environment) is hidden. A `null` or missing credential stays as it is.
 *
 * ## Example
 * ```ts
 * redactSecrets({ blocks: [{ apiToken: 'sk-1', base_url: 'http://u:p@h/v1?key=G', max_tokens: 128 }] });
 * // { blocks: [{ apiToken: '***', base_url: 'http://***@h/v1?key=***', max_tokens: 128 }] }
 * redactSecrets({ default_headers: { Authorization: 'Bearer sk-1', 'Content-Type': 'application/json' } });
 * // { default_headers: { Authorization: '***', 'Content-Type': 'application/json' } }
 * ```
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => {
      if (isCredentialName(key) && inner !== undefined && inner !== null) return [key, '***'];
      // A process environment (an MCP server's `env`) holds its secrets under any name: every value is hidden.
      if (key === 'env' && typeof inner === 'object' && inner !== null && !Array.isArray(inner)) return [key, Object.fromEntries(Object.keys(inner).map((name) => [name, '***']))];
      return [key, redactSecrets(inner)];
    }),
  );
}
