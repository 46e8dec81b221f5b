import { z } from 'zod';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { type WatsonxResponseFormatType, chatBody, chatResult, generationBody, generationResult } from './watsonx-bodies.ts';
import { type WatsonxConnectionSettings, watsonxConnection, watsonxSettingsSchema } from './watsonx-connection.ts';

/** Most calls watsonx.ai takes at once from one client, as the service's terms require; DGT clamps `call_limit` to it. */
export const watsonxMaxConcurrency = 10;

/** Settings of a watsonx.ai engine (DGT block type `watsonx`). */
export interface WatsonxSettings extends WatsonxConnectionSettings {
  /**
   * How chat sends a response format: `json_object` (JSON mode, with the schema in the system prompt; every model
   * takes it) or `json_schema` (the schema as `response_format.json_schema`, for models that enforce it).
   * @default 'json_object'
   */
  readonly responseFormatType?: WatsonxResponseFormatType;
  /** Extra headers sent with every API request (DGT's `default_headers`); never the token exchange. */
  readonly headers?: Readonly<Record<string, string>>;
}

const settingsSchema = watsonxSettingsSchema({
  responseFormatType: z.enum(['json_object', 'json_schema']).exactOptional(),
  headers: z.record(z.string(), z.string()).exactOptional(),
});

/**
 * Creates a {@link LanguageModel} for IBM watsonx.ai over its REST API: `chat` requests go to `/ml/v1/text/chat`,
 * `completion` requests to `/ml/v1/text/generation`. The API key is exchanged for an IAM bearer token, cached
 * until a minute before it expires and shared by every concurrent call; a 401 refreshes it once. A temperature
 * of 0 or less selects greedy decoding, as in DGT. Chat takes penalties, logit bias, `logprobs`, `reasoning_effort`
 * and tools (`tool_choice` for a named function, `tool_choice_option` otherwise) and returns tool calls; text
 * generation takes `top_k`, and `logprobs` and `echo` through `return_options`. A parameter the endpoint does not
 * take is a ConfigError naming it. Cap the engine's `callLimit` at {@link watsonxMaxConcurrency}.
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
  const { projectId, apiUrl, post, identity } = watsonxConnection(config);
  const formatType = config.responseFormatType ?? 'json_object';
  const target = { modelId: config.modelId, projectId };

  async function doGenerate(request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> {
    if (request.method === 'chat') {
      const path = '/ml/v1/text/chat';
      return chatResult(await post(path, chatBody(request, target, formatType), signal), `${apiUrl}${path}`);
    }
    const path = '/ml/v1/text/generation';
    return generationResult(await post(path, generationBody(request, target), signal), `${apiUrl}${path}`);
  }

  return { ...identity, doGenerate };
}
