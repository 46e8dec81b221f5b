import { z } from 'zod';
import { zodIssueToConfigError } from '../config/zod-issue.ts';
import { Engine } from '../model/engine.ts';
import type { GenerationParams, LanguageModel } from '../model/language-model.ts';
import { createOllama } from '../providers/ollama/ollama-model.ts';
import { createOpenAI } from '../providers/openai/openai-model.ts';

/** DGT block types that name a language model engine. */
export const engineTypes = ['openai', 'vllm-remote', 'ollama'] as const;

const stopSchema = z.union([z.string(), z.array(z.string())]).transform((value) => (typeof value === 'string' ? [value] : value));

/**
 * An LM block of a builder YAML, with DGT's field names and aliases. Unknown fields are errors, and so are
 * `input_map`/`output_map`: a builder's code decides what its LM blocks read and write, so they would be ignored.
 */
const lmBlockSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(engineTypes),
  model_id_or_path: z.string().min(1),
  base_url: z.string().url().optional(),
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
  num_ctx: z.number().int().min(1).optional(),
});
type LmBlock = z.output<typeof lmBlockSchema>;

/** The first defined value of DGT's aliases for one parameter. */
function first<T>(...values: (T | undefined)[]): T | undefined {
  return values.find((value) => value !== undefined);
}

function paramsOf(block: LmBlock): GenerationParams {
  const entries: [keyof GenerationParams, unknown][] = [
    ['temperature', block.temperature],
    ['maxTokens', first(block.max_tokens, block.max_new_tokens, block.max_completion_tokens, block.num_predict)],
    ['stop', first(block.stop, block.stop_sequences)],
    ['seed', first(block.seed, block.random_seed)],
    ['n', block.n],
    ['topP', block.top_p],
  ];
  const params = Object.fromEntries(entries.filter(([, value]) => value !== undefined));
  // Ollama's OpenAI-compatible endpoint reads model options from `options`.
  if (block.num_ctx !== undefined) params['providerOptions'] = { options: { num_ctx: block.num_ctx } };
  return params as GenerationParams;
}

function modelOf(block: LmBlock): LanguageModel {
  const common = { modelId: block.model_id_or_path, timeoutMs: block.timeout * 1000 };
  if (block.type === 'ollama') return createOllama({ ...common, ...(block.base_url ? { baseURL: block.base_url } : {}) });
  return createOpenAI({
    ...common,
    provider: block.type,
    ...(block.base_url ? { baseURL: block.base_url } : {}),
    ...(block.api_key ? { apiKey: block.api_key } : {}),
  });
}

/** Whether a block config names an LM engine. */
export function isEngineBlock(block: { readonly type: string }): boolean {
  return (engineTypes as readonly string[]).includes(block.type);
}

/**
 * Creates the {@link Engine} of one LM block from its builder-YAML config.
 * @throws {ConfigError} naming the builder file and the block field
 */
export function engineFromBlock(block: Readonly<Record<string, unknown>>, where: { file: string; field: string }): Engine {
  const parsed = lmBlockSchema.safeParse(block);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, where.file, { fieldPrefix: where.field });
  const config = parsed.data;
  return new Engine(modelOf(config), {
    name: config.name,
    callLimit: config.call_limit,
    maxRetries: config.max_retries,
    params: paramsOf(config),
  });
}
