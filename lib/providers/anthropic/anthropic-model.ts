import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import { ConfigError } from '../../errors/config-error.ts';
import { credentialId } from '../../model/credential-id.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { rateLimitHeadersOf } from '../fetch-json.ts';
import { sdkErrorToApiCallError } from '../sdk-error.ts';
import { environmentUrl } from '../environment-url.ts';
import { probeEndpoint } from '../probe-endpoint.ts';
import { anthropicBody } from './anthropic-body.ts';
import { type AnthropicMessage, anthropicApiKey, anthropicClient, anthropicResultOf, oneAnswerOnly, sendsSampling } from './anthropic-shared.ts';

/** Settings of an Anthropic engine (DGT block type `anthropic`). */
export interface AnthropicSettings {
  /** Model, e.g. `claude-sonnet-4-6` (DGT's `model_id_or_path`). */
  readonly modelId: string;
  /** API origin, without `/v1` (DGT's `base_url`). @default process.env.ANTHROPIC_BASE_URL ?? 'https://api.anthropic.com' */
  readonly baseURL?: string;
  /** API key (DGT's `api_key`). @default process.env.ANTHROPIC_API_KEY */
  readonly apiKey?: string;
  /** Per-request timeout in ms (DGT's `timeout`, given there in seconds). @default 300000 */
  readonly timeoutMs?: number;
  /** `max_tokens` of a request that sets none: the API requires one. @default 1024 */
  readonly defaultMaxTokens?: number;
  /**
   * The `anthropic-version` header (DGT's `api_version`). From `2026-10-21` on, the API refuses `temperature` and
   * `top_p`, so they are sent only to an earlier version such as `2023-06-01`.
   * @default the SDK's own, '2026-10-21'
   */
  readonly apiVersion?: string;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

const settingsSchema = z.object({
  modelId: z.string().min(1),
  baseURL: z.url().exactOptional(),
  apiKey: z.string().exactOptional(),
  timeoutMs: z.number().positive().exactOptional(),
  defaultMaxTokens: z.number().int().min(1).exactOptional(),
  apiVersion: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2023-06-01').exactOptional(),
  headers: z.record(z.string(), z.string()).exactOptional(),
});

/**
 * Creates a {@link LanguageModel} for Anthropic's Messages API (`POST /v1/messages`), through the official
 * `@anthropic-ai/sdk` (its own retries are off: the engine retries). System messages are lifted into `system`; a
 * completion is sent as one user message; `stop` becomes `stop_sequences`; a request without `maxTokens` gets
 * `defaultMaxTokens`. The API has no `seed` and makes one answer per request, so `seed` is not sent and `n > 1` is
 * refused; `temperature` and `topP` are sent only when `apiVersion` predates 2026-10-21. A response format is a
 * forced tool call (one tool named after the schema, `tool_choice: { type: 'tool' }`), and the answer text is the
 * tool input as JSON. Tools become `tools` with an `input_schema` (`tool_choice` `required` is `any`), tool calls and
 * results become `tool_use` and `tool_result` blocks, and `tool_use` answers come back as tool calls;
 * `reasoning_effort` is `output_config.effort`, and `top_k` is sent as the sampling parameters are. Penalties, logit
 * bias, log probabilities and echo are refused; JSON mode without a schema is left out, as DGT does (the API has no
 * equivalent). Usage counts cached prompt tokens as prompt tokens. DGT block type `anthropic`.
 *
 * ## Example
 * ```ts
 * import { createAnthropic, createEngine } from 'rxdgt';
 * const model = createAnthropic({ modelId: 'claude-sonnet-4-6', defaultMaxTokens: 2048 }); // ANTHROPIC_API_KEY
 * const engine = createEngine(model, { callLimit: 8 });
 * await model.doGenerate({ method: 'chat', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] }, { signal });
 * // sends { model, max_tokens: 2048, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] }
 * ```
 *
 * @throws {ConfigError} before any request: no API key (`ANTHROPIC_API_KEY`) or a malformed setting; from
 * `doGenerate`, for `n > 1`.
 */
export function createAnthropic(settings: AnthropicSettings): LanguageModel {
  const config = parseConfig('anthropic', settingsSchema, settings);
  const apiKey = anthropicApiKey(config.apiKey);
  if (apiKey === undefined) {
    throw new ConfigError('anthropic: missing API key: set the ANTHROPIC_API_KEY environment variable (or `api_key` in the block)', { field: 'api_key' });
  }
  const fromEnvironment = (): string | undefined =>
    environmentUrl('ANTHROPIC_BASE_URL', { engine: 'anthropic', field: 'base_url', remedy: 'credentials belong in `api_key` or ANTHROPIC_API_KEY, not in the URL' });
  const baseURL = (config.baseURL || fromEnvironment() || 'https://api.anthropic.com').replace(/\/+$/, '');
  const { modelId, apiVersion } = config;
  const timeoutMs = config.timeoutMs ?? 300_000;
  const maxTokens = config.defaultMaxTokens ?? 1024;
  const sampling = sendsSampling(apiVersion);
  const url = `${baseURL}/v1/messages`;
  // Header values may be credentials too: no error shows them.
  const secrets = [apiKey, ...Object.values(config.headers ?? {})];
  const connect = anthropicClient({ apiKey, baseURL, timeoutMs, headers: config.headers, apiVersion });

  async function doGenerate(request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> {
    oneAnswerOnly(request);
    const params = anthropicBody(request, modelId, maxTokens, sampling) as unknown as Anthropic.MessageCreateParamsNonStreaming;
    const { sdk, client } = await connect();
    try {
      const { data, response } = await client.messages.create(params, { signal }).withResponse();
      const headers = rateLimitHeadersOf(response.headers);
      const result = anthropicResultOf(data as AnthropicMessage, request);
      return headers === undefined ? result : { ...result, headers };
    } catch (error) {
      throw sdkErrorToApiCallError(error, sdk, { url, timeoutMs, secrets });
    }
  }

  const credential = credentialId(apiKey);
  return {
    specificationVersion: 'v1',
    provider: 'anthropic',
    modelId,
    endpoint: baseURL,
    ...(credential === undefined ? {} : { credential }),
    doGenerate,
    probe: ({ signal }) => probeEndpoint(`${baseURL}/v1/models`, signal),
  };
}
