import type { z } from 'zod';
import type { GenerationParams, LanguageModel } from '../model/language-model.ts';

/** What every LM block gives its engine, whatever its type, in the names of the provider factories. */
export interface EngineCommon {
  /** The block's `type` (`openai`, `vllm-remote`, ...). */
  readonly type: string;
  /** `model_id_or_path`. */
  readonly modelId: string;
  /** `base_url`. */
  readonly baseURL?: string;
  /** `api_key`. */
  readonly apiKey?: string;
  /** `timeout`, in ms. */
  readonly timeoutMs: number;
  /** `default_headers`, sent with every request; never shown in errors. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The block's generation parameters, which every request of the block starts from. */
  readonly params: GenerationParams;
  /** `max_length`, for an engine that cuts prompts with its own tokenizer ({@link EngineAdapter.ownTokenizer}). */
  readonly maxLength?: number;
  /** `init_tokenizer`, for such an engine. */
  readonly initTokenizer?: true | string;
}

/**
 * How the engine types of one provider are made from LM blocks: the provider's block types, its own block fields, and
 * the factory. `lm-block.ts` builds its registry from these. Fields of the other types' adapters are ignored by this
 * type, so a joint config can switch a block's `type`.
 *
 * ## Example
 * ```ts
 * export const simulatedBlock = defineEngineAdapter({
 *   types: ['simulated'],
 *   fields: { latency: z.number().min(0).default(0) },
 *   create: (config, common) => createSimulated({ modelId: common.modelId, latencyMs: config.latency }),
 * });
 * ```
 */
export interface EngineAdapter<Shape extends z.ZodRawShape = z.ZodRawShape> {
  /** DGT block types the adapter makes (`['openai', 'vllm-remote']`). */
  readonly types: readonly string[];
  /** The provider's own block fields (snake_case, DGT's names), checked only for its types. */
  readonly fields: Shape;
  /**
   * Makes the model. A ConfigError it throws (a missing key) is reported at the block field it names.
   * @throws {ConfigError} naming the block field
   */
  create(config: z.output<z.ZodObject<Shape>>, common: EngineCommon): LanguageModel;
  /**
   * Throws for a block parameter the engine cannot honour, before any request (its calls check each request's too).
   * @throws {ConfigError} naming the block field
   */
  checkParams?(params: GenerationParams): void;
  /** Parameters the provider's fields add to the block's (Ollama's `num_ctx` as a model option). */
  params?(config: z.output<z.ZodObject<Shape>>): GenerationParams;
  /** The block's `call_limit`, within what the engine can serve. @default call_limit */
  callLimit?(config: z.output<z.ZodObject<Shape>>, model: LanguageModel, callLimit: number): number;
  /**
   * Whether the engine cuts prompts to `max_length` itself, with its model's own tokenizer (llama-cpp); otherwise
   * `init_tokenizer` names a tiktoken encoding and the prompts are cut before they reach the model.
   */
  readonly ownTokenizer?: boolean;
}

/** Types an adapter, then forgets its field shape, so adapters of every provider fit one registry. */
export function defineEngineAdapter<Shape extends z.ZodRawShape>(adapter: EngineAdapter<Shape>): EngineAdapter {
  return adapter as unknown as EngineAdapter;
}
