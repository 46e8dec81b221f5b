import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import type { EmbeddingModel, EmbeddingResult } from '../../model/embedding-model.ts';
import type { CallOptions } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { type WatsonxConnectionSettings, watsonxConnection, watsonxSettingsSchema } from './watsonx-connection.ts';

/** Most inputs one watsonx.ai embeddings request takes. */
export const watsonxMaxEmbeddingInputs = 1000;

/** Settings of a watsonx.ai embedding model (`embedding_config` type `watsonx`). */
export interface WatsonxEmbeddingSettings extends WatsonxConnectionSettings {
  /** Model sent as `model_id`, e.g. `ibm/granite-embedding-107m-multilingual` (`model_id_or_path`). */
  readonly modelId: string;
  /** Tokens each input is cut to (`parameters.truncate_input_tokens`); unset: a longer input is an error of the service. */
  readonly truncateInputTokens?: number;
}

const settingsSchema = watsonxSettingsSchema({ truncateInputTokens: z.number().int().min(1).exactOptional() });

/**
 * Creates an {@link EmbeddingModel} for IBM watsonx.ai's `POST /ml/v1/text/embeddings` (`inputs`, `model_id`,
 * `project_id`, and `version` in the query), with the same IAM bearer tokens as the LM engine: exchanged from the
 * API key, cached until a minute before expiry, refreshed once on a 401. Up to 1000 inputs a request.
 *
 * ## Example
 * ```ts
 * import { createEmbeddingEngine, createWatsonxEmbedding, watsonxMaxConcurrency } from 'rxdgt';
 * const model = createWatsonxEmbedding({ modelId: 'ibm/slate-125m-english-rtrvr' }); // WATSONX_API_KEY, WATSONX_PROJECT_ID
 * const engine = createEmbeddingEngine(model, { callLimit: watsonxMaxConcurrency, batchSize: 256 });
 * ```
 *
 * @throws {ConfigError} for bad settings, or when no API key (nor token) or no project id is set, before any request.
 */
export function createWatsonxEmbedding(settings: WatsonxEmbeddingSettings): EmbeddingModel {
  const config = parseConfig('watsonx', settingsSchema, settings);
  const { projectId, apiUrl, post, identity } = watsonxConnection(config);
  const { modelId, truncateInputTokens } = config;
  const path = '/ml/v1/text/embeddings';

  async function doEmbed(texts: readonly string[], { signal }: CallOptions): Promise<EmbeddingResult> {
    const body = {
      inputs: texts,
      model_id: modelId,
      project_id: projectId,
      ...(truncateInputTokens === undefined ? {} : { parameters: { truncate_input_tokens: truncateInputTokens } }),
    };
    const answer = (await post(path, body, signal)) as { results?: unknown; input_token_count?: unknown };
    const results = Array.isArray(answer.results) ? (answer.results as { embedding?: unknown }[]) : undefined;
    if (results === undefined || !results.every((result) => Array.isArray(result?.embedding))) {
      throw new ApiCallError(`${apiUrl}${path} answered 200 without \`results[].embedding\``, { url: `${apiUrl}${path}`, statusCode: 200, isRetryable: false });
    }
    const promptTokens = typeof answer.input_token_count === 'number' && Number.isFinite(answer.input_token_count) ? answer.input_token_count : 0;
    return { vectors: results.map((result) => result.embedding as number[]), usage: { promptTokens } };
  }

  return { ...identity, maxBatchSize: watsonxMaxEmbeddingInputs, doEmbed };
}
