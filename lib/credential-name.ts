/** Last words that name a credential on their own (`max_tokens` ends in `tokens`, a count, and is not one). */
const credentialWords = new Set(['token', 'secret', 'password', 'passwd', 'pass', 'passphrase', 'auth', 'authorization', 'credential', 'credentials', 'cookie', 'signature', 'sig']);

/** Words that make a following `key` (or a word glued to them: `apikey`, `accesstoken`) a credential. */
const credentialQualifiers = ['api', 'access', 'secret', 'private', 'client', 'auth', 'subscription'];

/**
 * Whether a config key, header or query parameter name names a credential, judged by its last word (split at
 * camelCase humps, `_`, `-`, `.` and other punctuation, any letter case, trailing digits dropped): `token`,
 * `secret`, `password`, `passwd`, `pass`, `passphrase`, `auth` (`basic_auth`), `authorization`, `credential(s)`, `cookie`, `signature`, `sig`;
 * `key` alone or after `api`, `access`, `secret`, `private`, `client`, `auth` or `subscription`; and those
 * qualifiers glued to `key` or a credential word (`apikey`, `accesstoken`).
 *
 * ## Example
 * ```ts
 * isCredentialName('apiToken');  // true
 * isCredentialName('X-Api-Key'); // true
 * isCredentialName('key');       // true
 * isCredentialName('dedup_key'); // false: `dedup` is no credential word
 * isCredentialName('max_tokens'); // false: a count of tokens
 * ```
 */
export function isCredentialName(name: string): boolean {
  const words = name
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)
    .map((word) => word.toLowerCase().replace(/\d+$/, ''))
    .filter((word) => word !== '');
  const last = words.at(-1);
  if (last === undefined) return false;
  if (credentialWords.has(last)) return true;
  if (last === 'key') return words.length === 1 || credentialQualifiers.includes(words.at(-2) ?? '');
  const qualifier = credentialQualifiers.find((word) => last.startsWith(word));
  const rest = qualifier === undefined ? '' : last.slice(qualifier.length);
  return rest === 'key' || credentialWords.has(rest);
}
