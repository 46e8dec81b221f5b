import { ConfigError } from '../../errors/config-error.ts';
import { credentialId } from '../../model/credential-id.ts';
import type { CallOptions } from '../../model/language-model.ts';
import { environmentUrl } from '../environment-url.ts';
import { probeEndpoint } from '../probe-endpoint.ts';

/** The settings an OpenAI-compatible model (LM or embedding) reaches its server with. */
export interface OpenAIConnectionSettings {
  readonly modelId: string;
  /** API root including `/v1`. @default process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1' */
  readonly baseURL?: string | undefined;
  /** Bearer key. @default process.env.OPENAI_API_KEY, else a placeholder local servers accept */
  readonly apiKey?: string | undefined;
  /** Per-request timeout in ms. @default 300000 */
  readonly timeoutMs?: number | undefined;
  /** Engine type named in errors, stats and the cache key. @default 'openai' */
  readonly provider?: string | undefined;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** How an OpenAI-compatible model reaches its server, and the fields every such model has. */
export interface OpenAIConnection {
  readonly provider: string;
  /** The API root, without trailing slashes. */
  readonly baseURL: string;
  readonly apiKey: string | undefined;
  readonly timeoutMs: number;
  /**
   * Headers of every request: `authorization: Bearer <key>`, `OpenAI-Organization` and `OpenAI-Project` from
   * `OPENAI_ORG_ID` and `OPENAI_PROJECT_ID` (as the `openai` SDK sends them), then the block's own headers.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** What no error may show: the key and every header value. */
  readonly secrets: readonly (string | undefined)[];
  /** `specificationVersion`, `provider`, `modelId`, `endpoint`, `credential` and `probe`, for the model to spread. */
  readonly identity: {
    readonly specificationVersion: 'v1';
    readonly provider: string;
    readonly modelId: string;
    readonly endpoint: string;
    readonly credential?: string;
    probe(options: CallOptions): Promise<void>;
  };
}

/**
 * Resolves an OpenAI-compatible model's base URL and key against `OPENAI_BASE_URL` and `OPENAI_API_KEY`, and the
 * headers of its requests. Local OpenAI-compatible servers take any key; OpenAI itself does not, so a missing key for it is
 * said before any request, by `engine` (the name the error starts with).
 *
 * ## Example
 * ```ts
 * const { headers, identity } = openAIConnection({ modelId: 'm', baseURL: 'http://127.0.0.1:8000/v1/' }, 'openai');
 * identity.endpoint; // 'http://127.0.0.1:8000/v1'
 * ```
 *
 * @throws {ConfigError} naming `api_key` when OpenAI itself is the endpoint and no API key is set; naming `base_url`
 *   when `OPENAI_BASE_URL` is bad.
 */
export function openAIConnection(settings: OpenAIConnectionSettings, engine: string): OpenAIConnection {
  const provider = settings.provider ?? 'openai';
  const fromEnvironment = (): string | undefined =>
    environmentUrl('OPENAI_BASE_URL', { engine: provider, field: 'base_url', remedy: 'credentials belong in `api_key` or OPENAI_API_KEY, not in the URL' });
  const baseURL = (settings.baseURL ?? fromEnvironment() ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const apiKey = settings.apiKey ?? process.env['OPENAI_API_KEY'];
  if (!apiKey && baseURL === 'https://api.openai.com/v1') {
    throw new ConfigError(`${engine}: missing API key: set the OPENAI_API_KEY environment variable (or \`api_key\` in the block), or \`base_url\` for a local server`, {
      field: 'api_key',
    });
  }
  const timeoutMs = settings.timeoutMs ?? 300_000;
  const organization = process.env['OPENAI_ORG_ID']?.trim();
  const project = process.env['OPENAI_PROJECT_ID']?.trim();
  const headers: Record<string, string> = {
    // Local servers take any key; the SDK sent a placeholder too, and some servers refuse a request without one.
    authorization: `Bearer ${apiKey ?? 'rxdgt-no-key'}`,
    ...(organization ? { 'openai-organization': organization } : {}),
    ...(project ? { 'openai-project': project } : {}),
    ...lowerCased(settings.headers ?? {}),
  };
  return {
    provider,
    headers,
    secrets: [apiKey, ...Object.values(settings.headers ?? {})],
    baseURL,
    apiKey,
    timeoutMs,
    identity: {
      specificationVersion: 'v1',
      provider,
      modelId: settings.modelId,
      endpoint: baseURL,
      ...(apiKey ? { credential: credentialId(apiKey) as string } : {}),
      probe: ({ signal }) => probeEndpoint(`${baseURL}/models`, signal),
    },
  };
}

/** Header names in lower case, so a block's `Authorization` replaces the key's rather than going out twice. */
function lowerCased(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
