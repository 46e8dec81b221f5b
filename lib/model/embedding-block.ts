import { resolve } from 'node:path';
import stableStringify from 'fast-json-stable-stringify';
import { z } from 'zod';
import { zodIssueToConfigError } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import { hasUrlUserinfo } from '../redact-url.ts';
import { createLlamaCppEmbedding } from '../providers/llama-cpp/llama-cpp-embedding-model.ts';
import { createOllamaEmbedding } from '../providers/ollama-native/ollama-embedding-model.ts';
import { createOpenAIEmbedding } from '../providers/openai/openai-embedding-model.ts';
import { createSimulatedEmbedding } from '../providers/simulated/simulated-embedding-model.ts';
import { createWatsonxEmbedding } from '../providers/watsonx/watsonx-embedding-model.ts';
import { watsonxMaxConcurrency } from '../providers/watsonx/watsonx-model.ts';
import type { EngineDefaults } from '../run/lm-block.ts';
import { EmbeddingEngine } from './embedding-engine.ts';
import type { EmbeddingModel } from './embedding-model.ts';
import { openSqliteCache } from './sqlite-cache.ts';

/** The `type`s an `embedding_config` may name. */
export const embeddingEngineTypes = ['openai', 'vllm-remote', 'ollama', 'watsonx', 'llama-cpp'] as const;

/** An endpoint URL without a user name or password (they would be printed wherever the endpoint is). */
const endpointSchema = z
  .string()
  .url()
  .refine((url) => !hasUrlUserinfo(url), {
    message: "the URL holds a user name or password: credentials belong in `api_key` or the engine's key variable (OPENAI_API_KEY or WATSONX_API_KEY), not in the URL",
  });

/**
 * Every `embedding_config` field. Engine-specific ones (`encoding_format` for openai and vllm-remote; `project_id`,
 * `iam_url`, `api_version`, `truncate_input_tokens` for watsonx; `num_ctx` for ollama and llama-cpp; `threads`, `gpu`
 * for llama-cpp) are ignored by the other types, as in LM blocks. Unknown fields are errors.
 */
const embeddingBlockSchema = z.strictObject({
  type: z.enum(embeddingEngineTypes),
  name: z.string().min(1).optional(),
  model_id_or_path: z.string().min(1),
  base_url: endpointSchema.optional(),
  api_key: z.string().optional(),
  call_limit: z.number().int().min(1).default(10),
  batch_size: z.number().int().min(1).optional(),
  max_retries: z.number().int().min(0).default(3),
  timeout: z.number().gt(0).default(300),
  dimensions: z.number().int().min(1).optional(),
  lm_cache: z.string().min(1).optional(),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  adaptive: z.boolean().default(true),
  /** US dollars per million input tokens (`output` is accepted, and unused). */
  price: z.strictObject({ input: z.number().min(0), output: z.number().min(0).default(0) }).optional(),
  encoding_format: z.enum(['base64', 'float']).optional(),
  project_id: z.string().min(1).optional(),
  iam_url: endpointSchema.optional(),
  api_version: z.string().min(1).optional(),
  truncate_input_tokens: z.number().int().min(1).optional(),
  num_ctx: z.number().int().min(8).optional(),
  threads: z.number().int().min(1).optional(),
  gpu: z.union([z.literal(false), z.literal('auto')]).optional(),
});
type EmbeddingBlock = z.output<typeof embeddingBlockSchema>;

/** Where an `embedding_config` was written, and the name its engine takes when it sets none (its block's). */
export interface EmbeddingBlockPlace {
  readonly file: string;
  /** Dotted path of the `embedding_config` field (`blocks.2.embedding_config`). */
  readonly field: string;
  /** @default 'embedder' */
  readonly name?: string | undefined;
}

/** Only the settings that are set, for factories typed with exact optional properties. */
function defined<T extends Record<string, unknown>>(settings: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function modelOf(block: EmbeddingBlock): EmbeddingModel {
  const timeoutMs = block.timeout * 1000;
  const modelId = block.model_id_or_path;
  switch (block.type) {
    case 'openai':
    case 'vllm-remote':
      return createOpenAIEmbedding({
        modelId,
        timeoutMs,
        provider: block.type,
        ...defined({ baseURL: block.base_url, apiKey: block.api_key, dimensions: block.dimensions, encodingFormat: block.encoding_format }),
      });
    case 'ollama':
      return createOllamaEmbedding({
        modelId,
        timeoutMs,
        ...defined({ baseURL: block.base_url, dimensions: block.dimensions }),
        ...(block.num_ctx === undefined ? {} : { options: { num_ctx: block.num_ctx } }),
      });
    case 'watsonx':
      return createWatsonxEmbedding({
        modelId,
        timeoutMs,
        ...defined({
          apiKey: block.api_key,
          apiUrl: block.base_url,
          projectId: block.project_id,
          iamUrl: block.iam_url,
          apiVersion: block.api_version,
          truncateInputTokens: block.truncate_input_tokens,
        }),
      });
    case 'llama-cpp':
      return createLlamaCppEmbedding({ modelPath: modelId, ...defined({ contextSize: block.num_ctx, threads: block.threads, gpu: block.gpu }) });
  }
}

/** The name of the config's field, for messages: the last part of its path. */
function fieldName(place: EmbeddingBlockPlace): string {
  return place.field.split('.').at(-1) || 'embedding_config';
}

/**
 * The ConfigError of a block that needs an embedding model and names none: it says so and shows one.
 * @param options.purpose what the block does with embeddings, after "this block"
 * @param options.hint a further sentence (what the DGT field it replaces was)
 */
export function missingEmbeddingConfig(place: EmbeddingBlockPlace, options: { readonly purpose?: string; readonly hint?: string } = {}): ConfigError {
  const key = fieldName(place);
  const purpose = options.purpose ?? 'compares texts by their embeddings';
  return new ConfigError(
    `\`${key}\` is missing: this block ${purpose}, so it needs an embedding model${options.hint ? ` (${options.hint})` : ''}, for example\n` +
      `  ${key}:\n    type: ollama            # or openai, vllm-remote, watsonx, llama-cpp\n    model_id_or_path: nomic-embed-text`,
    { file: place.file, field: place.field },
  );
}

/**
 * Creates the {@link EmbeddingEngine} of an `embedding_config` block (a block nested in another, as `lm_config` is):
 * `type` (`openai`, `vllm-remote`, `ollama`, `watsonx`, `llama-cpp`), `model_id_or_path`, `base_url`, `api_key`,
 * `call_limit`, `batch_size`, `max_retries`, `timeout` (seconds), `dimensions`, `lm_cache`, `rpm`, `tpm`, `price`,
 * and the engine-specific fields. `lm_cache` (or the run's) holds vectors beside LM answers. watsonx's `call_limit`
 * is capped at its 10. A `--simulated` run (`defaults.simulated`) checks the block as written and answers offline
 * (`createSimulatedEmbedding`).
 *
 * ## Example
 * ```ts
 * const engine = embeddingFromBlock({ type: 'ollama', model_id_or_path: 'nomic-embed-text', batch_size: 128 }, { file: 'qa.yaml', field: 'blocks.1.embedding_config' });
 * ```
 *
 * @throws {ConfigError} naming the file and the field, before any request: a missing config, an unknown or ill-typed
 *   field, a missing API key.
 */
export function embeddingFromBlock(config: unknown, place: EmbeddingBlockPlace, defaults?: EngineDefaults): EmbeddingEngine {
  if (config === undefined || config === null) throw missingEmbeddingConfig(place);
  const parsed = embeddingBlockSchema.safeParse(config);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, place.file, { fieldPrefix: place.field });
  const block = parsed.data;
  const name = block.name ?? place.name ?? 'embedder';
  if (defaults?.simulated) {
    // `--simulated`: checked as written above; answered offline, with no endpoint, key, cache or price.
    const offline = createSimulatedEmbedding({ modelId: block.model_id_or_path, dimensions: block.dimensions });
    return new EmbeddingEngine(offline, { name, callLimit: block.call_limit, maxRetries: block.max_retries, adaptive: block.adaptive, ...defined({ batchSize: block.batch_size }) });
  }
  let model: EmbeddingModel;
  try {
    model = modelOf(block);
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    // The engine's own check (a missing key or project): say which block of which file it is about.
    throw new ConfigError(`embedding \`${name}\`: ${error.message}`, { file: place.file, field: `${place.field}.${error.field ?? 'type'}`, cause: error });
  }
  const lmCache = block.lm_cache ?? defaults?.lmCache;
  const price = block.price ?? defaults?.prices?.[block.model_id_or_path];
  return new EmbeddingEngine(model, {
    name,
    callLimit: block.type === 'watsonx' ? Math.min(block.call_limit, watsonxMaxConcurrency) : block.call_limit,
    maxRetries: block.max_retries,
    adaptive: block.adaptive,
    ...defined({ batchSize: block.batch_size, rpm: block.rpm, tpm: block.tpm }),
    ...(price ? { price: { inputPerMillion: price.input, outputPerMillion: price.output } } : {}),
    ...(lmCache ? { diskCache: (defaults?.openCache ?? openSqliteCache)(resolve(lmCache)) } : {}),
  });
}

/**
 * The `embedder(config, field)` of a block context: {@link embeddingFromBlock} with the run's defaults (`lm_cache`,
 * prices), one engine per distinct config and name, so that every task of a builder shares one concurrency cap and
 * one cache. Call `close` when the run ends: it releases every engine's model (loaded GGUF files).
 *
 * ## Example
 * ```ts
 * const embedder = embedderFactory({ lmCache: 'cache.db', openCache });
 * const engine = embedder(block.embedding_config, { file: 'qa.yaml', field: 'blocks.1.embedding_config', name: 'dedup' });
 * ```
 */
export function embedderFactory(defaults?: EngineDefaults): EmbedderFactory {
  const engines = new Map<string, EmbeddingEngine>();
  const create = (config: unknown, place: EmbeddingBlockPlace): EmbeddingEngine => {
    if (config === undefined || config === null) throw missingEmbeddingConfig(place);
    // Unparseable configs fall through to embeddingFromBlock, which says what is wrong with them.
    let key: string | undefined;
    try {
      key = stableStringify([config, place.name ?? null]);
    } catch {
      key = undefined;
    }
    const known = key === undefined ? undefined : engines.get(key);
    if (known) return known;
    const engine = embeddingFromBlock(config, place, defaults);
    if (key !== undefined) engines.set(key, engine);
    return engine;
  };
  return Object.assign(create, {
    close: async (): Promise<void> => {
      const all = [...engines.values()];
      engines.clear();
      await Promise.all(all.map((engine) => engine.close()));
    },
  });
}

/** What {@link embedderFactory} returns: an engine per `embedding_config`, and `close` for the end of the run. */
export type EmbedderFactory = ((config: unknown, place: EmbeddingBlockPlace) => EmbeddingEngine) & { close(): Promise<void> };
