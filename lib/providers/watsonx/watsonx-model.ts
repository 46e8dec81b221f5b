import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import { credentialId } from '../../model/credential-id.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { probeEndpoint } from '../probe-endpoint.ts';
import { environmentUrl } from '../environment-url.ts';
import { fetchJson } from '../fetch-json.ts';
import { createBearerTokens } from './iam-token.ts';
import { type WatsonxResponseFormatType, chatBody, chatResult, generationBody, generationResult, watsonxErrorMessage } from './watsonx-bodies.ts';

/** Most calls watsonx.ai takes at once from one client, as the service's terms require; DGT clamps `call_limit` to it. */
export const watsonxMaxConcurrency = 10;

/** Settings of a watsonx.ai engine (DGT block type `watsonx`). */
export interface WatsonxSettings {
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
  /**
   * How chat sends a response format: `json_object` (JSON mode, with the schema in the system prompt; every model
   * takes it) or `json_schema` (the schema as `response_format.json_schema`, for models that enforce it).
   * @default 'json_object'
   */
  readonly responseFormatType?: WatsonxResponseFormatType;
  /** Test hooks. */
  readonly _internal?: {
    /** Clock for token expiry, in ms. @default Date.now */
    readonly now?: () => number;
  };
}

const settingsSchema = z.object({
  modelId: z.string().min(1),
  apiKey: z.string().exactOptional(),
  apiToken: z.string().exactOptional(),
  projectId: z.string().exactOptional(),
  apiUrl: z.url().exactOptional(),
  iamUrl: z.url().exactOptional(),
  apiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2024-05-01').exactOptional(),
  timeoutMs: z.number().positive().exactOptional(),
  responseFormatType: z.enum(['json_object', 'json_schema']).exactOptional(),
  _internal: z.object({ now: z.custom<() => number>((value) => typeof value === 'function').exactOptional() }).exactOptional(),
});

/** The first value that is a non-empty string: an empty `${VAR}` or variable means unset. */
function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((value) => value !== undefined && value.trim() !== '');
}

function origin(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/**
 * Creates a {@link LanguageModel} for IBM watsonx.ai over its REST API: `chat` requests go to `/ml/v1/text/chat`,
 * `completion` requests to `/ml/v1/text/generation`. The API key is exchanged for an IAM bearer token, cached
 * until a minute before it expires and shared by every concurrent call; a 401 refreshes it once. A temperature
 * of 0 or less selects greedy decoding, as in DGT. Cap the engine's `callLimit` at {@link watsonxMaxConcurrency}.
 *
 * ## Example
 * ```ts
 * import { createWatsonx, createEngine, watsonxMaxConcurrency } from 'rxdgt';
 * const model = createWatsonx({ modelId: 'ibm/granite-3-8b-instruct' }); // WATSONX_API_KEY, WATSONX_PROJECT_ID
 * const engine = createEngine(model, { callLimit: watsonxMaxConcurrency });
 * ```
 *
 * @throws {ConfigError} when no API key (nor token) or no project id is set, before any request.
 */
export function createWatsonx(settings: WatsonxSettings): LanguageModel {
  const config = parseConfig('watsonx', settingsSchema, settings);
  const apiKey = firstSet(config.apiKey, process.env['WATSONX_API_KEY']);
  const apiToken = firstSet(config.apiToken, process.env['WATSONX_API_TOKEN']);
  const projectId = firstSet(config.projectId, process.env['WATSONX_PROJECT_ID']);
  if (apiKey === undefined && apiToken === undefined) {
    throw new ConfigError('watsonx: missing API key: set the WATSONX_API_KEY environment variable (or `api_key`, or a ready token in WATSONX_API_TOKEN)', {
      field: 'api_key',
    });
  }
  if (projectId === undefined) {
    throw new ConfigError('watsonx: missing project id: set `project_id` in the block or the WATSONX_PROJECT_ID environment variable', {
      field: 'project_id',
    });
  }
  const remedy = 'credentials belong in `api_key` or WATSONX_API_KEY, not in the URL';
  const apiUrl = origin(firstSet(config.apiUrl) ?? firstSet(environmentUrl('WATSONX_API_URL', { engine: 'watsonx', field: 'base_url', remedy })) ?? 'https://us-south.ml.cloud.ibm.com');
  const iamUrl = origin(firstSet(config.iamUrl) ?? firstSet(environmentUrl('WATSONX_IAM_URL', { engine: 'watsonx', field: 'iam_url', remedy })) ?? 'https://iam.cloud.ibm.com');
  const apiVersion = config.apiVersion ?? '2024-05-01';
  const timeoutMs = config.timeoutMs ?? 300_000;
  const formatType = config.responseFormatType ?? 'json_object';
  const modelId = config.modelId;
  const target = { modelId, projectId };
  const tokens = createBearerTokens({ apiKey, token: apiToken, iamUrl, timeoutMs, now: config._internal?.now ?? Date.now });

  /** Posts with the current token; a 401 refreshes it once, then the second answer stands. */
  async function post(path: string, body: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    const what = `${apiUrl}${path}`;
    const url = `${what}?version=${encodeURIComponent(apiVersion)}`;
    const json = JSON.stringify(body);
    const attempt = (token: string) =>
      fetchJson({
        url,
        what,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: json,
        signal,
        timeoutMs,
        errorMessageOf: watsonxErrorMessage,
        secrets: [apiKey, apiToken, token],
      });
    const token = await tokens.get(signal);
    try {
      return await attempt(token);
    } catch (error) {
      if (!(ApiCallError.isInstance(error) && error.statusCode === 401 && tokens.refresh(token))) throw error;
    }
    return attempt(await tokens.get(signal));
  }

  async function doGenerate(request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> {
    if (request.method === 'chat') {
      const path = '/ml/v1/text/chat';
      return chatResult(await post(path, chatBody(request, target, formatType), signal), `${apiUrl}${path}`);
    }
    const path = '/ml/v1/text/generation';
    return generationResult(await post(path, generationBody(request, target), signal), `${apiUrl}${path}`);
  }

  const credential = credentialId(apiKey ?? apiToken);
  return {
    specificationVersion: 'v1',
    provider: 'watsonx',
    modelId,
    endpoint: apiUrl,
    ...(credential === undefined ? {} : { credential }),
    doGenerate,
    probe: ({ signal }) => probeEndpoint(apiUrl, signal),
  };
}
