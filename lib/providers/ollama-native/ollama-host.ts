import { environmentUrl } from '../environment-url.ts';

/**
 * The Ollama host as users write it (settings or `OLLAMA_HOST`), normalised to an origin. As in Ollama's own
 * clients: no scheme means `http`, and then no port means 11434 (not 80) and no host name means 127.0.0.1; a
 * trailing `/` or `/v1` (the OpenAI-compatible root) is dropped.
 *
 * ## Example
 * ```ts
 * ollamaHostURL('gpu-box');                // 'http://gpu-box:11434'
 * ollamaHostURL(':8080');                  // 'http://127.0.0.1:8080'
 * ollamaHostURL('https://ollama.example'); // 'https://ollama.example'
 * ```
 */
export function ollamaHostURL(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
  if (/^https?:\/\//i.test(trimmed)) return trimmed;
  const slash = trimmed.indexOf('/');
  const authority = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const path = slash === -1 ? '' : trimmed.slice(slash);
  const hostname = authority === '' || authority.startsWith(':') ? `127.0.0.1${authority}` : authority;
  return `http://${hostname}${/:\d+$/.test(hostname) ? '' : ':11434'}${path}`;
}

/**
 * OLLAMA_HOST exactly as set, or undefined. One with a user name or password is refused: the ollama engine sends no
 * credentials, and rxdgt would print them with the endpoint.
 *
 * @throws {ConfigError} at `base_url`, naming the variable and never its user name or password
 */
export function ollamaHostFromEnvironment(): string | undefined {
  return environmentUrl('OLLAMA_HOST', {
    engine: 'ollama',
    field: 'base_url',
    remedy: 'the ollama engine sends no credentials; for a server that needs a key, use an `openai` block with `base_url: <host>/v1` and `api_key`',
  });
}
