import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import type { EmbeddingModel, EmbeddingResult } from '../../model/embedding-model.ts';
import { float32FromBase64 } from '../../model/embedding-vector.ts';
import type { CallOptions } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { openAIConnection } from './openai-connection.ts';
import { requestJson } from '../fetch-json.ts';
import { serviceMessageOf } from '../service-message.ts';

/** Settings of an OpenAI-compatible embedding model (OpenAI, vLLM, llama.cpp server, TEI, Ollama's /v1). */
export interface OpenAIEmbeddingSettings {
  /** Model name sent with every request (`model_id_or_path`). */
  readonly modelId: string;
  /** API root including `/v1`. @default process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1' */
  readonly baseURL?: string;
  /** Bearer key. @default process.env.OPENAI_API_KEY, else a placeholder local servers accept */
  readonly apiKey?: string;
  /** Per-request timeout in ms (`timeout`, given in seconds in a block). @default 300000 */
  readonly timeoutMs?: number;
  /** Engine type named in errors, stats and the cache key. @default 'openai' */
  readonly provider?: string;
  /** Vector length asked of the model (OpenAI's `text-embedding-3-*` shorten theirs); unset: the model's own. */
  readonly dimensions?: number;
  /**
   * How vectors travel: `base64` (float32 bytes, a quarter of the JSON, what the `openai` SDK asks by default) or
   * `float` (JSON numbers, for servers that know no other). @default 'base64'
   */
  readonly encodingFormat?: 'base64' | 'float';
  /** Most texts per request; OpenAI takes 2048. @default 2048 */
  readonly maxBatchSize?: number;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

const settingsSchema = z.object({
  modelId: z.string().min(1),
  baseURL: z.string().exactOptional(),
  apiKey: z.string().exactOptional(),
  timeoutMs: z.number().positive().exactOptional(),
  provider: z.string().min(1).exactOptional(),
  dimensions: z.number().int().min(1).exactOptional(),
  encodingFormat: z.enum(['base64', 'float']).exactOptional(),
  maxBatchSize: z.number().int().min(1).exactOptional(),
  headers: z.record(z.string(), z.string()).exactOptional(),
});

/** One vector of an answer: base64 float32 bytes, or numbers when the server ignored the format asked. */
function vectorOf(embedding: unknown, url: string, index: number): Float32Array | readonly number[] {
  const vector = typeof embedding === 'string' ? float32FromBase64(embedding) : Array.isArray(embedding) ? (embedding as number[]) : undefined;
  if (vector === undefined) throw new ApiCallError(`${url} answered 200 without a readable \`data[${index}].embedding\``, { url, statusCode: 200, isRetryable: false });
  return vector;
}

/**
 * Creates an {@link EmbeddingModel} for any OpenAI-compatible `/v1/embeddings` endpoint, on pooled keep-alive
 * connections (the engine retries). Block types `openai` and `vllm-remote` of an
 * `embedding_config`.
 *
 * ## Example
 * ```ts
 * import { createEmbeddingEngine, createOpenAIEmbedding } from 'rxdgt';
 * const model = createOpenAIEmbedding({ modelId: 'text-embedding-3-small', dimensions: 256 }); // OPENAI_API_KEY
 * const engine = createEmbeddingEngine(model, { batchSize: 256 });
 * ```
 *
 * @throws {ConfigError} for bad settings, or when OpenAI itself is the endpoint and no API key is set, before any request.
 */
export function createOpenAIEmbedding(options: OpenAIEmbeddingSettings): EmbeddingModel {
  const settings = parseConfig(options.provider ?? 'openai', settingsSchema, options);
  const { baseURL, headers, timeoutMs, secrets, identity } = openAIConnection(settings, settings.provider ?? 'openai');
  const url = `${baseURL}/embeddings`;
  const encodingFormat = settings.encodingFormat ?? 'base64';
  const { modelId, dimensions } = settings;

  async function doEmbed(texts: readonly string[], { signal }: CallOptions): Promise<EmbeddingResult> {
    const body = { model: modelId, input: texts, encoding_format: encodingFormat, ...(dimensions === undefined ? {} : { dimensions }) };
    const answer = await requestJson({ url, headers, body: JSON.stringify(body), signal, timeoutMs, errorMessageOf: serviceMessageOf, secrets });
    const data = (answer.body as { data?: unknown }).data;
    if (!Array.isArray(data)) throw new ApiCallError(`${url} answered ${answer.status} without \`data\`: not an embeddings answer`, { url, statusCode: answer.status, isRetryable: false });
    const items = data as readonly { readonly index?: number; readonly embedding?: unknown }[];
    // `index` gives each vector its text; servers mostly keep the order, but need not.
    const ordered = [...items].sort((left, right) => (left.index ?? 0) - (right.index ?? 0));
    const vectors = ordered.map((item, index) => vectorOf(item.embedding, url, index));
    const usage = (answer.body as { usage?: { prompt_tokens?: number } }).usage;
    return { vectors, usage: { promptTokens: usage?.prompt_tokens ?? 0 }, ...(answer.rateLimits === undefined ? {} : { headers: answer.rateLimits }) };
  }

  return { ...identity, maxBatchSize: settings.maxBatchSize ?? 2048, ...(dimensions === undefined ? {} : { dimensions }), doEmbed };
}
