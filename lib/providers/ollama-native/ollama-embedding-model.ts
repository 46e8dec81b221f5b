import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import type { EmbeddingModel, EmbeddingResult } from '../../model/embedding-model.ts';
import type { CallOptions } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { fetchJson } from '../fetch-json.ts';
import { probeEndpoint } from '../probe-endpoint.ts';
import { ollamaHostFromEnvironment, ollamaHostURL } from './ollama-host.ts';

/** Settings of an Ollama embedding model. */
export interface OllamaEmbeddingSettings {
  /** Model tag, e.g. `nomic-embed-text` or `all-minilm` (`model_id_or_path`). */
  readonly modelId: string;
  /** Ollama host; see {@link ollamaHostURL}. @default process.env.OLLAMA_HOST ?? 'http://localhost:11434' */
  readonly baseURL?: string;
  /** Per-request timeout in ms (`timeout`, given in seconds in a block). @default 300000 */
  readonly timeoutMs?: number;
  /** Vector length asked of the model (Ollama's `dimensions`, for models that can shorten theirs); unset: the model's own. */
  readonly dimensions?: number;
  /** Model options sent as `options` (`num_ctx`, ...). */
  readonly options?: Readonly<Record<string, unknown>>;
}

const settingsSchema = z.object({
  modelId: z.string().min(1),
  baseURL: z.string().exactOptional(),
  timeoutMs: z.number().positive().exactOptional(),
  dimensions: z.number().int().min(1).exactOptional(),
  options: z.record(z.string(), z.unknown()).exactOptional(),
});

function ollamaErrorMessage(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : undefined;
}

/**
 * Creates an {@link EmbeddingModel} for Ollama's native `POST /api/embed`: every text of a batch in one request
 * (`input` as an array), vectors as Ollama gives them (already of length 1), usage from `prompt_eval_count`. Block
 * type `ollama` of an `embedding_config`.
 *
 * ## Example
 * ```ts
 * import { createEmbeddingEngine, createOllamaEmbedding } from 'rxdgt';
 * const engine = createEmbeddingEngine(createOllamaEmbedding({ modelId: 'nomic-embed-text' })); // http://localhost:11434/api/embed
 * ```
 *
 * @throws {ConfigError} for bad settings, at creation.
 */
export function createOllamaEmbedding(settings: OllamaEmbeddingSettings): EmbeddingModel {
  const config = parseConfig('ollama', settingsSchema, settings);
  // An empty OLLAMA_HOST means the default, as it does for Ollama itself.
  const host = ollamaHostURL(config.baseURL || ollamaHostFromEnvironment() || 'http://localhost:11434');
  const timeoutMs = config.timeoutMs ?? 300_000;
  const { modelId, dimensions, options } = config;
  const url = `${host}/api/embed`;

  async function doEmbed(texts: readonly string[], { signal }: CallOptions): Promise<EmbeddingResult> {
    const body = await fetchJson({
      url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: modelId, input: texts, ...(dimensions === undefined ? {} : { dimensions }), ...(options === undefined ? {} : { options }) }),
      signal,
      timeoutMs,
      errorMessageOf: ollamaErrorMessage,
    });
    const { embeddings, prompt_eval_count: promptTokens } = body as { embeddings?: unknown; prompt_eval_count?: unknown };
    if (!Array.isArray(embeddings) || !embeddings.every((vector) => Array.isArray(vector))) {
      throw new ApiCallError(`${url} answered 200 without \`embeddings\``, { url, statusCode: 200, isRetryable: false });
    }
    return { vectors: embeddings as number[][], usage: { promptTokens: typeof promptTokens === 'number' && Number.isFinite(promptTokens) ? promptTokens : 0 } };
  }

  return {
    specificationVersion: 'v1',
    provider: 'ollama',
    modelId,
    endpoint: host,
    ...(dimensions === undefined ? {} : { dimensions }),
    doEmbed,
    probe: ({ signal }) => probeEndpoint(`${host}/api/version`, signal),
  };
}
