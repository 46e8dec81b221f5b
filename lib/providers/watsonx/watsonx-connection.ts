import { z } from 'zod';
import { ConfigError } from '../../errors/config-error.ts';
import { credentialId } from '../../model/credential-id.ts';
import type { CallOptions } from '../../model/language-model.ts';
import { environmentUrl } from '../environment-url.ts';
import { probeEndpoint } from '../probe-endpoint.ts';
import { createBearerTokens } from './iam-token.ts';
import { createWatsonxPost } from './watsonx-post.ts';

/** Settings every watsonx.ai model shares: the model, the credentials, the project and where requests go. */
export interface WatsonxConnectionSettings {
  /** Model sent as `model_id`, e.g. `ibm/granite-3-8b-instruct` (DGT's `model_id_or_path`). */
  readonly modelId: string;
  /** IBM Cloud API key, exchanged for bearer tokens at IAM. @default process.env.WATSONX_API_KEY */
  readonly apiKey?: string;
  /** A ready bearer token: no exchange while the API accepts it. @default process.env.WATSONX_API_TOKEN */
  readonly apiToken?: string;
  /** Project the calls are billed to (DGT's `project_id`). @default process.env.WATSONX_PROJECT_ID */
  readonly projectId?: string;
  /** Regional API origin. @default process.env.WATSONX_API_URL ?? 'https://us-south.ml.cloud.ibm.com' */
  readonly apiUrl?: string;
  /** IAM origin (DGT block field `iam_url`). @default process.env.WATSONX_IAM_URL ?? 'https://iam.cloud.ibm.com' */
  readonly iamUrl?: string;
  /** The `version` query parameter, a date. @default '2024-05-01' */
  readonly apiVersion?: string;
  /** Per-request timeout in ms, IAM exchange included (DGT's `timeout`, given there in seconds). @default 300000 */
  readonly timeoutMs?: number;
  /** Test hooks. */
  readonly _internal?: {
    /** Clock for token expiry, in ms. @default Date.now */
    readonly now?: () => number;
  };
}

/**
 * The zod schema of a watsonx model's settings: the shared fields, then the model's own, then `_internal` (in that
 * order, which is the order problems are found in).
 */
export function watsonxSettingsSchema<Shape extends z.ZodRawShape>(own: Shape) {
  return z.object({
    modelId: z.string().min(1),
    apiKey: z.string().exactOptional(),
    apiToken: z.string().exactOptional(),
    projectId: z.string().exactOptional(),
    apiUrl: z.url().exactOptional(),
    iamUrl: z.url().exactOptional(),
    apiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2024-05-01').exactOptional(),
    timeoutMs: z.number().positive().exactOptional(),
    ...own,
    _internal: z.object({ now: z.custom<() => number>((value) => typeof value === 'function').exactOptional() }).exactOptional(),
  });
}

/** A watsonx model's way to the service, and the fields every watsonx model has. */
export interface WatsonxConnection {
  readonly projectId: string;
  /** Regional API origin, without a trailing `/`. */
  readonly apiUrl: string;
  /** Posts a JSON body to a path of the API (see `createWatsonxPost`). */
  readonly post: (path: string, body: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>;
  /** `specificationVersion`, `provider`, `modelId`, `endpoint`, `credential` and `probe`, for the model to spread. */
  readonly identity: {
    readonly specificationVersion: 'v1';
    readonly provider: 'watsonx';
    readonly modelId: string;
    readonly endpoint: string;
    readonly credential?: string;
    probe(options: CallOptions): Promise<void>;
  };
}

/** The first value that is a non-empty string: an empty `${VAR}` or variable means unset. */
function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value.trim() !== '');
}

function origin(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * Resolves a watsonx model's parsed settings against the `WATSONX_*` environment variables, and makes its IAM
 * bearer tokens (exchanged from the API key, cached until a minute before expiry, refreshed once on a 401) and its
 * poster.
 *
 * ## Example
 * ```ts
 * const { post, projectId, identity } = watsonxConnection({ modelId: 'ibm/granite-3-8b-instruct' }); // WATSONX_API_KEY, WATSONX_PROJECT_ID
 * const answer = await post('/ml/v1/text/chat', { model_id: identity.modelId, project_id: projectId, messages: [] }, AbortSignal.timeout(30_000));
 * ```
 *
 * @throws {ConfigError} when no API key (nor token) or no project id is set, or a `WATSONX_*_URL` variable is bad.
 */
export function watsonxConnection(config: WatsonxConnectionSettings & { readonly headers?: Readonly<Record<string, string>> }): WatsonxConnection {
  const apiKey = firstSet(config.apiKey, process.env['WATSONX_API_KEY']);
  const apiToken = firstSet(config.apiToken, process.env['WATSONX_API_TOKEN']);
  const projectId = firstSet(config.projectId, process.env['WATSONX_PROJECT_ID']);
  if (apiKey === undefined && apiToken === undefined) {
    throw new ConfigError('watsonx: missing API key: set the WATSONX_API_KEY environment variable (or `api_key`, or a ready token in WATSONX_API_TOKEN)', {
      field: 'api_key',
    });
  }
  if (projectId === undefined) {
    throw new ConfigError('watsonx: missing project id: set `project_id` in the block or the WATSONX_PROJECT_ID environment variable', { field: 'project_id' });
  }
  const remedy = 'credentials belong in `api_key` or WATSONX_API_KEY, not in the URL';
  const apiUrl = origin(firstSet(config.apiUrl) ?? firstSet(environmentUrl('WATSONX_API_URL', { engine: 'watsonx', field: 'base_url', remedy })) ?? 'https://us-south.ml.cloud.ibm.com');
  const iamUrl = origin(firstSet(config.iamUrl) ?? firstSet(environmentUrl('WATSONX_IAM_URL', { engine: 'watsonx', field: 'iam_url', remedy })) ?? 'https://iam.cloud.ibm.com');
  const timeoutMs = config.timeoutMs ?? 300_000;
  const tokens = createBearerTokens({ apiKey, token: apiToken, iamUrl, timeoutMs, now: config._internal?.now ?? Date.now });
  const post = createWatsonxPost({ apiUrl, apiVersion: config.apiVersion ?? '2024-05-01', timeoutMs, tokens, secrets: [apiKey, apiToken], headers: config.headers });
  const credential = credentialId(apiKey ?? apiToken);
  return {
    projectId,
    apiUrl,
    post,
    identity: {
      specificationVersion: 'v1',
      provider: 'watsonx',
      modelId: config.modelId,
      endpoint: apiUrl,
      ...(credential === undefined ? {} : { credential }),
      probe: ({ signal }) => probeEndpoint(apiUrl, signal),
    },
  };
}
