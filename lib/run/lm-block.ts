import { resolve } from 'node:path';
import { z } from 'zod';
import { blockSubject, zodIssueToConfigError } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import type { BatchApi } from '../model/batch-api.ts';
import { createBatchModel } from '../model/batch-model.ts';
import { Engine } from '../model/engine.ts';
import { defaultCacheSize } from '../model/shared-engine-config.ts';
import { reasoningEfforts } from '../model/generation-params.ts';
import type { GenerationParams, LanguageModel } from '../model/language-model.ts';
import type { ResponseCache } from '../model/response-cache.ts';
import { openSqliteCache } from '../model/sqlite-cache.ts';
import { anthropicBatchBlock } from '../providers/anthropic/anthropic-batch-api.ts';
import { anthropicBlock } from '../providers/anthropic/anthropic-block.ts';
import { azureOpenAIBatchBlock } from '../providers/azure-openai/azure-openai-batch-block.ts';
import { azureOpenAIBlock } from '../providers/azure-openai/azure-openai-block.ts';
import { definedSettings } from '../providers/defined-settings.ts';
import type { EngineAdapter, EngineCommon } from '../providers/engine-adapter.ts';
import { endpointUrlSchema } from '../providers/endpoint-url-schema.ts';
import { llamaCppBlock } from '../providers/llama-cpp/llama-cpp-block.ts';
import { ollamaBlock } from '../providers/ollama-native/ollama-native-block.ts';
import { openAIBatchBlock } from '../providers/openai/openai-batch-block.ts';
import { openAIBlock } from '../providers/openai/openai-block.ts';
import { promptTokenizer } from '../providers/prompt-tokenizer.ts';
import { truncatingPrompts } from '../providers/prompt-truncation.ts';
import { simulatedBlock } from '../providers/simulated/simulated-block.ts';
import { vllmServerBlock } from '../providers/vllm-server/vllm-server-block.ts';
import { watsonxBlock } from '../providers/watsonx/watsonx-block.ts';

/** The engine registry: each provider's adapter, by the block types it makes. */
const adapters: readonly EngineAdapter[] = [openAIBlock, azureOpenAIBlock, anthropicBlock, watsonxBlock, ollamaBlock, vllmServerBlock, llamaCppBlock, simulatedBlock];
const adapterOf = new Map(adapters.flatMap((adapter) => adapter.types.map((type) => [type, adapter] as const)));

/** The batch jobs of the block types whose provider has them (`batch: true`), by type. */
type BatchFactory = (config: Readonly<Record<string, unknown>>, common: EngineCommon, model: LanguageModel) => BatchApi;
const batchFactories: readonly { readonly types: readonly string[]; readonly create: BatchFactory }[] = [openAIBatchBlock, azureOpenAIBatchBlock, anthropicBatchBlock];
const batchApiOf = new Map(batchFactories.flatMap((factory) => factory.types.map((type) => [type, factory.create] as const)));

/** Block types whose provider has durable batch jobs, so `batch: true` (or `--batch`) applies. */
const batchEngineTypes: readonly string[] = [...batchApiOf.keys()];

/** The price discount of a batch: OpenAI, Azure and Anthropic all charge half. */
const batchDiscount = 0.5;

/** DGT block types that name a language model engine. */
export const engineTypes: readonly string[] = [...adapterOf.keys()];

const stopSchema = z.union([z.string(), z.array(z.string())]).transform((value) => (typeof value === 'string' ? [value] : value));
const nameSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a name of letters, digits, `_` and `-` (at most 64)');

/** OpenAI's `response_format`, as DGT passes it: text (nothing asked), JSON mode, or a JSON Schema. */
const responseFormatSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('text') }),
  z.strictObject({ type: z.literal('json_object') }),
  z.strictObject({
    type: z.literal('json_schema'),
    json_schema: z.looseObject({ name: nameSchema.optional(), schema: z.record(z.string(), z.unknown()), strict: z.boolean().optional(), description: z.string().optional() }),
  }),
]);

/**
 * Fields every LM block takes, with DGT's names and aliases. `input_map`/`output_map` are not among them: a
 * builder's code decides what its LM blocks read and write, so they would be ignored.
 */
const commonFields = {
  name: z.string().min(1),
  model_id_or_path: z.string().min(1),
  base_url: endpointUrlSchema.optional(),
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
  top_k: z.number().int().min(-1).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  logit_bias: z.record(z.string().regex(/^\d+$/, 'expected a token id'), z.number().min(-100).max(100)).optional(),
  /** `true`, or DGT's count of top tokens (`logprobs: 5` is `logprobs: true, top_logprobs: 5`). */
  logprobs: z.union([z.boolean(), z.number().int().min(0).max(20)]).optional(),
  top_logprobs: z.number().int().min(0).max(20).optional(),
  echo: z.boolean().optional(),
  skip_special_tokens: z.boolean().optional(),
  reasoning_effort: z.enum(reasoningEfforts).optional(),
  extra_body: z.record(z.string(), z.unknown()).optional(),
  response_format: responseFormatSchema.optional(),
  default_headers: z.record(z.string(), z.string()).optional(),
  continuation: z.string().optional(),
  force_cache: z.boolean().optional(),
  /** `true`: the model's own tokenizer; a string: a tiktoken encoding (or OpenAI model) to count with. */
  init_tokenizer: z.union([z.boolean(), z.string().min(1)]).optional(),
  max_length: z.number().int().min(1).optional(),
  /** DGT's `lm_cache`: a SQLite file of answers shared across runs and processes. */
  lm_cache: z.string().min(1).optional(),
  rpm: z.number().positive().optional(),
  tpm: z.number().positive().optional(),
  adaptive: z.boolean().default(true),
  /** US dollars per million tokens. */
  price: z.strictObject({ input: z.number().min(0), output: z.number().min(0) }).optional(),
  /** Send the block's requests through the provider's batch jobs (OpenAI, Azure, Anthropic); `--batch` sets it. */
  batch: z.boolean().default(false),
  /** Most requests per batch, and the block's in-flight bound while batching. */
  batch_max_requests: z.number().int().min(1).default(1000),
  /** Seconds without a new request before the gathered ones are sent. */
  batch_window: z.number().min(0).default(2),
  /** Seconds before a batch's first poll; each later wait doubles. */
  batch_poll_interval: z.number().positive().default(10),
  /** Most seconds between two polls. */
  batch_poll_max_interval: z.number().positive().default(300),
  /** Batches a request goes in at most, when one expires or fails retryably; then the call fails. */
  batch_max_tries: z.number().int().min(1).default(3),
};

const commonSchema = z.object(commonFields);
type LmBlock = z.output<typeof commonSchema> & { readonly type: string };

/** Every field some engine type has, unchecked: what a block of another type ignores. */
const anyEngineField = Object.fromEntries(adapters.flatMap((adapter) => Object.keys(adapter.fields)).map((name) => [name, z.unknown().optional()]));

/**
 * The schema of a block of one type: the common fields, the type's own fields checked, and every other engine type's
 * fields ignored, so a joint config can switch a block's `type` without removing them. Unknown fields are errors.
 */
const schemaOf = (adapter: EngineAdapter | undefined): z.ZodType<LmBlock & Record<string, unknown>> =>
  z.strictObject({ ...commonFields, ...anyEngineField, ...adapter?.fields, type: z.enum(engineTypes as [string, ...string[]]) }) as unknown as z.ZodType<
    LmBlock & Record<string, unknown>
  >;
const schemas = new Map(adapters.map((adapter) => [adapter, schemaOf(adapter)] as const));
const unknownTypeSchema = schemaOf(undefined);

/** The first defined value of DGT's aliases for one parameter. */
function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((value) => value !== undefined);
}

/** The block's generation parameters, DGT's names mapped onto GenerationParams'. */
function paramsOf(block: LmBlock): GenerationParams {
  const format = block.response_format;
  const logprobsCount = typeof block.logprobs === 'number' && block.logprobs > 0 ? block.logprobs : undefined;
  return definedSettings({
    temperature: block.temperature,
    maxTokens: first(block.max_tokens, block.max_new_tokens, block.max_completion_tokens, block.num_predict),
    stop: first(block.stop, block.stop_sequences),
    seed: first(block.seed, block.random_seed),
    n: block.n,
    topP: block.top_p,
    topK: block.top_k,
    frequencyPenalty: block.frequency_penalty,
    presencePenalty: block.presence_penalty,
    logitBias: block.logit_bias,
    logprobs: block.logprobs === undefined ? undefined : block.logprobs !== false && block.logprobs !== 0,
    topLogprobs: block.top_logprobs ?? logprobsCount,
    echo: block.echo,
    skipSpecialTokens: block.skip_special_tokens,
    reasoningEffort: block.reasoning_effort,
    extraBody: block.extra_body,
    continuation: block.continuation,
    forceCache: block.force_cache,
    responseFormat: format?.type === 'json_schema' ? { name: format.json_schema.name ?? 'response', schema: format.json_schema.schema } : undefined,
    jsonMode: format?.type === 'json_object' ? true : undefined,
  }) as GenerationParams;
}

/** The tokenizer `init_tokenizer` asks for, when the prompts are cut before they reach the model. */
function tokenizerOf(block: LmBlock, adapter: EngineAdapter) {
  if (adapter.ownTokenizer || block.init_tokenizer === undefined || block.init_tokenizer === false) return undefined;
  return promptTokenizer(block.init_tokenizer, block.model_id_or_path);
}

/** The model of a block, with its prompts cut to `max_length` when the engine does not cut them itself. */
function modelOf(block: LmBlock & Record<string, unknown>, adapter: EngineAdapter, params: GenerationParams): LanguageModel {
  const model = directModelOf(block, adapter, params);
  if (!block.batch) return model;
  const batchApi = batchApiOf.get(block.type);
  if (batchApi === undefined) {
    throw new ConfigError(
      `invalid config at \`batch\`: engine type \`${block.type}\` has no batch API (types with one: ${batchEngineTypes.join(', ')})`,
      { field: 'batch' },
    );
  }
  return createBatchModel(model, batchApi(block, commonOf(block, params), model), {
    maxRequests: block.batch_max_requests,
    windowMs: block.batch_window * 1000,
    pollIntervalMs: block.batch_poll_interval * 1000,
    pollMaxIntervalMs: block.batch_poll_max_interval * 1000,
    maxTries: block.batch_max_tries,
  });
}

/** What every engine type's factory takes from the block. */
function commonOf(block: LmBlock, params: GenerationParams): EngineCommon {
  return {
    type: block.type,
    modelId: block.model_id_or_path,
    timeoutMs: block.timeout * 1000,
    params,
    ...definedSettings({
      baseURL: block.base_url,
      apiKey: block.api_key,
      headers: block.default_headers,
      maxLength: block.max_length,
      initTokenizer: block.init_tokenizer === false ? undefined : block.init_tokenizer,
    }),
  };
}

/** The model a direct call goes to. */
function directModelOf(block: LmBlock & Record<string, unknown>, adapter: EngineAdapter, params: GenerationParams): LanguageModel {
  adapter.checkParams?.(params);
  const tokenizer = tokenizerOf(block, adapter);
  if (block.max_length !== undefined && !adapter.ownTokenizer && tokenizer === undefined) {
    throw new ConfigError(
      'invalid config at `max_length`: cutting prompts to a length needs a tokenizer: set `init_tokenizer` (true for an OpenAI model, or a tiktoken encoding such as o200k_base)',
      { field: 'max_length' },
    );
  }
  const model = adapter.create(block, commonOf(block, params));
  return block.max_length !== undefined && tokenizer !== undefined ? truncatingPrompts(model, { maxLength: block.max_length, tokenizer }) : model;
}

/** Whether a block config names an LM engine. */
export function isEngineBlock(block: { readonly type: string }): boolean {
  return adapterOf.has(block.type);
}

/**
 * The fields an LM block of one engine type takes: those of every LM block, then the type's own (its adapter's);
 * undefined for a type that names no engine. For listings (`rxdgt list engines`).
 */
export function engineFields(type: string): z.ZodRawShape | undefined {
  const adapter = adapterOf.get(type);
  return adapter === undefined ? undefined : { ...commonFields, ...adapter.fields };
}

/** Settings a whole run gives every LM block that does not set its own. */
export interface EngineDefaults {
  /** DGT's `lm_cache` for blocks without one (the CLI's `--lm-cache`). */
  readonly lmCache?: string | undefined;
  /** US dollars per million tokens by `model_id_or_path` (the CLI's `--prices`), for blocks without a `price`. */
  readonly prices?: Readonly<Record<string, { readonly input: number; readonly output: number }>> | undefined;
  /** Opens (once per path) the response cache of a `lm_cache` path. */
  readonly openCache: (path: string) => ResponseCache;
  /** Every LM block answers with the offline `simulated` engine, its config checked as written (`--simulated`). */
  readonly simulated?: boolean | undefined;
  /** Every LM block whose type has a batch API sends its requests through it (`--batch`); others go on as they are. */
  readonly batch?: boolean | undefined;
  /**
   * The block is the `simulated` stand-in of another engine (`--simulated`): it keeps the in-memory cache that engine
   * would have, so a rehearsal makes (and caches) the calls the real run would.
   */
  readonly standIn?: boolean | undefined;
}

/**
 * Creates the {@link Engine} of one LM block from its builder-YAML config, through the adapter of its `type`.
 * @throws {ConfigError} naming the file and the block field, before any request is sent (a missing API key, a
 *   parameter the engine cannot honour, a tokenizer that cannot be had, too)
 */
export function engineFromBlock(block: Readonly<Record<string, unknown>>, where: { file: string; field: string }, defaults?: EngineDefaults): Engine {
  if (defaults?.batch && !defaults.simulated && block['batch'] === undefined && typeof block['type'] === 'string' && batchApiOf.has(block['type'])) {
    return engineFromBlock({ ...block, batch: true }, where, defaults);
  }
  const adapter = typeof block['type'] === 'string' ? adapterOf.get(block['type']) : undefined;
  const parsed = (adapter ? schemas.get(adapter)! : unknownTypeSchema).safeParse(block);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, where.file, { fieldPrefix: where.field, subject: blockSubject(block) });
  if (defaults?.simulated && block['type'] !== 'simulated') {
    // Checked as written above; answered offline: the generation settings stay, the endpoint, key, cache and price go.
    const offline = new Set(['base_url', 'api_key', 'lm_cache', 'price', 'default_headers', 'batch']);
    const kept = Object.fromEntries(Object.entries(block).filter(([key]) => key in commonFields && !offline.has(key)));
    return engineFromBlock({ ...kept, type: 'simulated' }, where, { ...defaults, simulated: false, standIn: true, lmCache: undefined, prices: undefined });
  }
  const config = parsed.data;
  const engine = adapter!;
  const params: GenerationParams = { ...paramsOf(config), ...engine.params?.(config) };
  let model: LanguageModel;
  try {
    model = modelOf(config, engine, params);
  } catch (error) {
    if (!ConfigError.isInstance(error)) throw error;
    // The engine's own check (a missing key or project, a parameter): say which block of which file it is about.
    throw new ConfigError(`block \`${config.name}\`: ${error.message}`, { file: where.file, field: `${where.field}.${error.field ?? 'type'}`, cause: error });
  }
  const lmCache = config.lm_cache ?? defaults?.lmCache;
  const price = config.price ?? defaults?.prices?.[config.model_id_or_path];
  // A batch block keeps a batch's worth of calls waiting (the task's in-flight bound follows), at half the price.
  const discount = config.batch ? batchDiscount : 1;
  return new Engine(model, {
    name: config.name,
    callLimit: config.batch ? config.batch_max_requests : (engine.callLimit?.(config, model, config.call_limit) ?? config.call_limit),
    maxRetries: config.max_retries,
    adaptive: config.adaptive,
    ...definedSettings({ batchSize: config.batch_size }),
    params,
    ...definedSettings({ rpm: config.rpm, tpm: config.tpm }),
    ...(defaults?.standIn ? { cacheSize: defaultCacheSize } : {}),
    ...(price ? { price: { inputPerMillion: price.input * discount, outputPerMillion: price.output * discount } } : {}),
    ...(lmCache ? { diskCache: (defaults?.openCache ?? openSqliteCache)(resolve(lmCache)) } : {}),
  });
}
