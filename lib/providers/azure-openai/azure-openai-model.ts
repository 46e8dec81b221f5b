import { z } from 'zod';
import { ConfigError } from '../../errors/config-error.ts';
import { credentialId } from '../../model/credential-id.ts';
import type { CallOptions, GenerationParams, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { type OpenAIWire, generateWithOpenAI } from '../openai/openai-shared.ts';
import { refuseParams } from '../unsupported-params.ts';
import { environmentUrl } from '../environment-url.ts';
import { firstSet } from '../first-set.ts';
import { probeEndpoint } from '../probe-endpoint.ts';

/** The Azure OpenAI data-plane API version sent when none is set: the latest GA one. */
export const azureOpenAIDefaultApiVersion = '2024-10-21';

/** Settings of an Azure OpenAI engine (DGT block type `azure-openai`). */
export interface AzureOpenAISettings {
  /** Resource endpoint, e.g. `https://my-resource.openai.azure.com` (DGT's `base_url`). @default process.env.AZURE_OPENAI_ENDPOINT */
  readonly endpoint?: string;
  /** Deployment name, which stands for the model (DGT's `model_id_or_path`). */
  readonly deployment: string;
  /** The `api-version` query (DGT's `api_version`). @default '2024-10-21' */
  readonly apiVersion?: string;
  /** Key sent as the `api-key` header (DGT's `api_key`). @default process.env.AZURE_OPENAI_API_KEY */
  readonly apiKey?: string;
  /** Per-request timeout in ms (DGT's `timeout`, given there in seconds). @default 300000 */
  readonly timeoutMs?: number;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

const settingsSchema = z.object({
  endpoint: z.string().exactOptional(),
  deployment: z.string().exactOptional(),
  apiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'expected a date like 2024-10-21, optionally with -preview').exactOptional(),
  apiKey: z.string().exactOptional(),
  timeoutMs: z.number().positive().exactOptional(),
  headers: z.record(z.string(), z.string()).exactOptional(),
});

/** The resource origin: without trailing slashes, and without an `/openai` the portal's URLs end in. */
function resourceEndpoint(endpoint: string | undefined): string {
  const missing = 'missing `base_url`: set it to the Azure OpenAI resource endpoint (e.g. https://my-resource.openai.azure.com) or set AZURE_OPENAI_ENDPOINT';
  if (endpoint === undefined) throw new ConfigError(`azure-openai: ${missing}`, { field: 'base_url' });
  const trimmed = endpoint.replace(/\/+$/, '').replace(/\/openai$/, '');
  if (!/^https?:\/\//.test(trimmed) || !URL.canParse(trimmed)) {
    throw new ConfigError(`azure-openai: invalid config at \`base_url\`: expected an http(s) URL, received ${JSON.stringify(endpoint)}`, { field: 'base_url' });
  }
  return trimmed;
}

/**
 * Throws for a parameter Azure OpenAI does not take: it is OpenAI's service, without vLLM's extensions.
 * @throws {ConfigError} naming the block field (`top_k`, `skip_special_tokens`)
 */
export function checkAzureOpenAIParams(params: GenerationParams): void {
  refuseParams('azure-openai', params, {
    topK: 'Azure OpenAI has no top-k sampling',
    skipSpecialTokens: 'Azure OpenAI never shows special tokens',
  });
}

/**
 * Creates a {@link LanguageModel} for an Azure OpenAI deployment, on pooled keep-alive connections (the
 * engine retries). Chat requests go to
 * `<endpoint>/openai/deployments/<deployment>/chat/completions?api-version=…`, completion requests to
 * `…/completions`, with the key in the `api-key` header. A response format is sent as
 * `response_format: { type: 'json_schema', json_schema: { name, schema, strict: true } }`; tools, tool calls and
 * `logprobs` as on OpenAI; `top_k` and `skip_special_tokens: false` are refused. DGT block type `azure-openai`.
 *
 * ## Example
 * ```ts
 * import { createAzureOpenAI, createEngine } from 'rxdgt';
 * const model = createAzureOpenAI({ endpoint: 'https://my-resource.openai.azure.com', deployment: 'gpt-4o-mini' }); // AZURE_OPENAI_API_KEY
 * model.endpoint; // 'https://my-resource.openai.azure.com/openai/deployments/gpt-4o-mini'
 * const engine = createEngine(model, { callLimit: 16 });
 * ```
 *
 * @throws {ConfigError} before any request: no endpoint (`base_url`), no deployment (`model_id_or_path`), no API key
 * (`AZURE_OPENAI_API_KEY`), or a malformed setting.
 */
export function createAzureOpenAI(settings: AzureOpenAISettings): LanguageModel {
  const config = parseConfig('azure-openai', settingsSchema, settings);
  const fromEnvironment = (): string | undefined =>
    environmentUrl('AZURE_OPENAI_ENDPOINT', { engine: 'azure-openai', field: 'base_url', remedy: 'credentials belong in `api_key` or AZURE_OPENAI_API_KEY, not in the URL' });
  const endpoint = resourceEndpoint(firstSet(config.endpoint) ?? firstSet(fromEnvironment()));
  const deployment = firstSet(config.deployment);
  if (deployment === undefined) {
    throw new ConfigError('azure-openai: missing `model_id_or_path`: set it to the name of the Azure OpenAI deployment', { field: 'model_id_or_path' });
  }
  const apiKey = firstSet(config.apiKey, process.env['AZURE_OPENAI_API_KEY']);
  if (apiKey === undefined) {
    throw new ConfigError('azure-openai: missing API key: set the AZURE_OPENAI_API_KEY environment variable (or `api_key` in the block)', { field: 'api_key' });
  }
  const apiVersion = config.apiVersion ?? azureOpenAIDefaultApiVersion;
  const timeoutMs = config.timeoutMs ?? 300_000;
  const root = `${endpoint}/openai/deployments/${encodeURIComponent(deployment)}`;
  // Header values may be credentials too: no error shows them.
  const secrets = [apiKey, ...Object.values(config.headers ?? {})];
  const headers = { 'api-key': apiKey, ...Object.fromEntries(Object.entries(config.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value])) };
  const wire: OpenAIWire = { engine: 'azure-openai', root, query: `?api-version=${encodeURIComponent(apiVersion)}`, headers, timeoutMs, secrets };
  const doGenerate = async (request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> => {
    checkAzureOpenAIParams(request);
    return generateWithOpenAI(wire, deployment, request, signal);
  };

  const credential = credentialId(apiKey);
  return {
    specificationVersion: 'v1',
    provider: 'azure-openai',
    modelId: deployment,
    endpoint: root,
    ...(credential === undefined ? {} : { credential }),
    doGenerate,
    probe: ({ signal }) => probeEndpoint(`${endpoint}/openai/models?api-version=${encodeURIComponent(apiVersion)}`, signal),
  };
}
