import { resolve } from 'node:path';
import { z } from 'zod';
import { zodIssueToConfigError } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import { hasUrlUserinfo } from '../redact-url.ts';
import { Engine } from '../model/engine.ts';
import type { GenerationParams, LanguageModel } from '../model/language-model.ts';
import type { ResponseCache } from '../model/response-cache.ts';
import { openSqliteCache } from '../model/sqlite-cache.ts';
import { createAnthropic } from '../providers/anthropic/anthropic-model.ts';
import { createAzureOpenAI } from '../providers/azure-openai/azure-openai-model.ts';
import { type LlamaCppModel, createLlamaCpp } from '../providers/llama-cpp/llama-cpp-model.ts';
import { createOllamaNative } from '../providers/ollama-native/ollama-native-model.ts';
import { createOpenAI } from '../providers/openai/openai-model.ts';
import { createSimulated } from '../providers/simulated/simulated-model.ts';
import { createVllmServer } from '../providers/vllm-server/vllm-server-model.ts';
import { createWatsonx, watsonxMaxConcurrency } from '../providers/watsonx/watsonx-model.ts';

/** DGT block types that name a language model engine. */
export const engineTypes = ['openai', 'vllm-remote', 'azure-openai', 'anthropic', 'watsonx', 'ollama', 'vllm-server', 'llama-cpp', 'simulated'] as const;

/**
 * An endpoint URL without a user name or password: those would be printed wherever the endpoint is (and undici
 * refuses them anyway). The message never quotes the URL.
 */
const endpointSchema = z
  .string()
  .url()
  .refine((url) => !hasUrlUserinfo(url), {
    message:
      'the URL holds a user name or password: credentials belong in `api_key` or the engine\'s key variable ' +
      '(OPENAI_API_KEY, ANTHROPIC_API_KEY, AZURE_OPENAI_API_KEY or WATSONX_API_KEY), not in the URL',
  });

const stopSchema = z.union([z.string(), z.array(z.string())]).transform((value) => (typeof value === 'string' ? [value] : value));

/**
 * Fields every LM block takes, with DGT's names and aliases. `input_map`/`output_map` are not among them: a
 * builder's code decides what its LM blocks read and write, so they would be ignored.
 */
const commonFields = {
  name: z.string().min(1),
  model_id_or_path: z.string().min(1),
  base_url: endpointSchema.optional(),
  api_key: z.string().optional(),
  call_limit: z.number().int().min(1).default(10),
  batch_size: z.number().int().min(1).optional(),
  timeout: z.number().gt(0).default(300),
  max_retries: z.number().int().min(0).default(3),
  temperature: z.number().min(0).optional(),
  max_tokens: z.number().int().min(1).optional(),
  max_new_tokens: z.number().int().min(1).optional(),
  max_completion_tokens: z.number().int().min(1).optional(),
  num_predict: z.number().int().min(1).optional(),
  stop: stopSchema.optional(),
  stop_sequences: stopSchema.optional(),
  seed: z.number().int().optional(),
  random_seed: z.number().int().optional(),
  n: z.number().int().min(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  /** DGT's `lm_cache`: a SQLite file of answers shared across runs and processes. */
  lm_cache: z.string().min(1).optional(),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  adaptive: z.boolean().default(true),
  /** US dollars per million tokens. */
  price: z.strictObject({ input: z.number().min(0), output: z.number().min(0) }).optional(),
};

/**
 * Every LM block field. Engine-specific ones (`num_ctx` for ollama and llama-cpp; `api_version` for azure-openai,
 * anthropic and watsonx; `project_id`, `iam_url` for watsonx; `command`, `host`, `port`, `startup_timeout`,
 * `check_interval` for vllm-server; `threads`, `gpu`, `sequences` for llama-cpp; `latency` for simulated) are ignored by other types, so a joint config can switch a block's `type`
 * without removing the fields the builder YAML set for the old one. Unknown fields are errors.
 */
const lmBlockSchema = z.strictObject({
  ...commonFields,
  type: z.enum(engineTypes),
  num_ctx: z.number().int().min(1).optional(),
  api_version: z.string().min(1).optional(),
  project_id: z.string().min(1).optional(),
  iam_url: endpointSchema.optional(),
  command: z.union([z.string().min(1).transform((line) => line.split(/\s+/)), z.array(z.string()).min(1)]).optional(),
  host: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  startup_timeout: z.number().gt(0).default(600),
  check_interval: z.number().gt(0).default(1),
  latency: z.number().min(0).default(0),
  threads: z.number().int().min(1).optional(),
  gpu: z.union([z.literal(false), z.literal('auto')]).optional(),
  sequences: z.number().int().min(1).optional(),
});
type LmBlock = z.output<typeof lmBlockSchema>;

/** The first defined value of DGT's aliases for one parameter. */
function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((value) => value !== undefined);
}

/** Only the settings that are set, for factories typed with exact optional properties. */
function defined<T extends Record<string, unknown>>(settings: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function paramsOf(block: LmBlock): GenerationParams {
  const params = defined({
    temperature: block.temperature,
    maxTokens: first(block.max_tokens, block.max_new_tokens, block.max_completion_tokens, block.num_predict),
    stop: first(block.stop, block.stop_sequences),
    seed: first(block.seed, block.random_seed),
    n: block.n,
    topP: block.top_p,
  });
  // Ollama reads model options such as the context size from `options`.
  return block.type === 'ollama' && block.num_ctx !== undefined ? { ...params, providerOptions: { options: { num_ctx: block.num_ctx } } } : params;
}

function modelOf(block: LmBlock): LanguageModel {
  const common = { modelId: block.model_id_or_path, timeoutMs: block.timeout * 1000 };
  switch (block.type) {
    case 'openai':
    case 'vllm-remote':
      return createOpenAI({ ...common, provider: block.type, ...defined({ baseURL: block.base_url, apiKey: block.api_key }) });
    case 'azure-openai':
      return createAzureOpenAI({ deployment: block.model_id_or_path, timeoutMs: common.timeoutMs, ...defined({ endpoint: block.base_url, apiKey: block.api_key, apiVersion: block.api_version }) });
    case 'anthropic':
      return createAnthropic({ ...common, ...defined({ baseURL: block.base_url, apiKey: block.api_key, apiVersion: block.api_version, defaultMaxTokens: paramsOf(block).maxTokens }) });
    case 'watsonx':
      return createWatsonx({
        ...common,
        ...defined({ apiKey: block.api_key, apiUrl: block.base_url, projectId: block.project_id, iamUrl: block.iam_url, apiVersion: block.api_version }),
      });
    case 'ollama':
      return createOllamaNative({ ...common, ...defined({ baseURL: block.base_url }) });
    case 'vllm-server':
      return createVllmServer({
        ...common,
        startupTimeoutMs: block.startup_timeout * 1000,
        checkIntervalMs: block.check_interval * 1000,
        ...defined({ command: block.command, host: block.host, port: block.port, apiKey: block.api_key }),
      });
    case 'llama-cpp':
      return createLlamaCpp({ modelPath: block.model_id_or_path, ...defined({ contextSize: block.num_ctx, threads: block.threads, gpu: block.gpu, sequences: block.sequences }) });
    case 'simulated':
      return createSimulated({ modelId: block.model_id_or_path, latencyMs: block.latency });
  }
}

/** The block's `call_limit`, within what the engine can serve: watsonx's terms allow 10; llama-cpp its sequences. */
function callLimitOf(block: LmBlock, model: LanguageModel): number {
  if (block.type === 'watsonx') return Math.min(block.call_limit, watsonxMaxConcurrency);
  if (block.type === 'llama-cpp') return Math.min(block.call_limit, (model as LlamaCppModel).sequences);
  return block.call_limit;
}

/** Whether a block config names an LM engine. */
export function isEngineBlock(block: { readonly type: string }): boolean {
  return (engineTypes as readonly string[]).includes(block.type);
}

/** Settings a whole run gives every LM block that does not set its own. */
export interface EngineDefaults {
  /** DGT's `lm_cache` for blocks without one (the CLI's `--lm-cache`). */
  readonly lmCache?: string | undefined;
  /** US dollars per million tokens by `model_id_or_path` (the CLI's `--prices`), for blocks without a `price`. */
  readonly prices?: Readonly<Record<string, { readonly input: number; readonly output: number }>> | undefined;
  /** Opens (once per path) the response cache of a `lm_cache` path. */
  readonly openCache: (path: string) => ResponseCache;
}

/**
 * Creates the {@link Engine} of one LM block from its builder-YAML config.
 * @throws {ConfigError} naming the file and the block field, before any request is sent (a missing API key too)
 */
export function engineFromBlock(block: Readonly<Record<string, unknown>>, where: { file: string; field: string }, defaults?: EngineDefaults): Engine {
  const parsed = lmBlockSchema.safeParse(block);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, where.file, { fieldPrefix: where.field });
  const config = parsed.data;
  let model: LanguageModel;
  try {
    model = modelOf(config);
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    // The engine's own check (a missing key or project): say which block of which file it is about.
    throw new ConfigError(`block \`${config.name}\`: ${error.message}`, { file: where.file, field: `${where.field}.${error.field ?? 'type'}`, cause: error });
  }
  const lmCache = config.lm_cache ?? defaults?.lmCache;
  const price = config.price ?? defaults?.prices?.[config.model_id_or_path];
  return new Engine(model, {
    name: config.name,
    callLimit: callLimitOf(config, model),
    maxRetries: config.max_retries,
    adaptive: config.adaptive,
    ...defined({ batchSize: config.batch_size }),
    params: paramsOf(config),
    ...defined({ rpm: config.rpm, tpm: config.tpm }),
    ...(price ? { price: { inputPerMillion: price.input, outputPerMillion: price.output } } : {}),
    ...(lmCache ? { diskCache: (defaults?.openCache ?? openSqliteCache)(resolve(lmCache)) } : {}),
  });
}
