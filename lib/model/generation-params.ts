import { z } from 'zod';
import type { GenerationParams } from './language-model.ts';

/** A JSON Schema object, as tools and response formats carry it. */
const jsonSchema = z.record(z.string(), z.unknown()).readonly();

/** OpenAI's function tool; extra keys (`strict`, vendor fields) are kept and sent. */
const toolSchema = z
  .looseObject({
    type: z.literal('function'),
    function: z.looseObject({
      name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a function name of letters, digits, `_` and `-` (at most 64)'),
      description: z.string().optional(),
      parameters: jsonSchema.optional(),
      strict: z.boolean().optional(),
    }),
  })
  .readonly();

const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.strictObject({ type: z.literal('function'), function: z.strictObject({ name: z.string().min(1) }) }),
]);

/** The levels `reasoning_effort` takes across engines; each engine checks the ones it knows. */
export const reasoningEfforts = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const;

/**
 * Checks {@link GenerationParams} wherever they enter: the engine config, `generate` and `judge`. Strict, so a key
 * spelled the DGT way from plain JS (`{ max_tokens: 5 }`) is an error instead of being dropped without a word.
 * A key given as `undefined` counts as not set: it is removed, so it cannot hide the engine's value when merged.
 *
 * ## Example
 * ```ts
 * generationParamsSchema.parse({ temperature: 0, topK: 40, tools: [{ type: 'function', function: { name: 'lookup' } }] });
 * generationParamsSchema.parse({ top_k: 40 }); // throws: unrecognized key "top_k"
 * ```
 */
export const generationParamsSchema: z.ZodType<GenerationParams, unknown> = z
  .strictObject({
    temperature: z.number().min(0).optional(),
    maxTokens: z.number().int().min(1).optional(),
    stop: z.array(z.string()).readonly().optional(),
    seed: z.number().int().optional(),
    n: z.number().int().min(1).optional(),
    topP: z.number().min(0).max(1).optional(),
    topK: z.number().int().min(-1).optional(),
    frequencyPenalty: z.number().min(-2).max(2).optional(),
    presencePenalty: z.number().min(-2).max(2).optional(),
    logitBias: z.record(z.string().regex(/^\d+$/, 'expected a token id'), z.number().min(-100).max(100)).readonly().optional(),
    logprobs: z.boolean().optional(),
    topLogprobs: z.number().int().min(0).max(20).optional(),
    echo: z.boolean().optional(),
    skipSpecialTokens: z.boolean().optional(),
    reasoningEffort: z.enum(reasoningEfforts).optional(),
    extraBody: z.record(z.string(), z.unknown()).readonly().optional(),
    continuation: z.string().optional(),
    forceCache: z.boolean().optional(),
    responseFormat: z
      .strictObject({ name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a name of letters, digits, `_` and `-` (at most 64)'), schema: jsonSchema })
      .readonly()
      .optional(),
    jsonMode: z.boolean().optional(),
    tools: z.array(toolSchema).readonly().optional(),
    toolChoice: toolChoiceSchema.optional(),
    providerOptions: z.record(z.string(), z.unknown()).readonly().optional(),
  })
  .transform((params): GenerationParams => withoutUndefined(params) as GenerationParams);

/**
 * The LM block field (DGT's name) each parameter comes from, for errors that point at the builder YAML. Parameters
 * with no block field of their own (`tools`, `providerOptions`) are named as they are.
 */
export const paramBlockFields: { readonly [Key in keyof Required<GenerationParams>]: string } = {
  temperature: 'temperature',
  maxTokens: 'max_tokens',
  stop: 'stop',
  seed: 'seed',
  n: 'n',
  topP: 'top_p',
  topK: 'top_k',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  logitBias: 'logit_bias',
  logprobs: 'logprobs',
  topLogprobs: 'top_logprobs',
  echo: 'echo',
  skipSpecialTokens: 'skip_special_tokens',
  reasoningEffort: 'reasoning_effort',
  extraBody: 'extra_body',
  continuation: 'continuation',
  forceCache: 'force_cache',
  responseFormat: 'response_format',
  jsonMode: 'response_format',
  tools: 'tools',
  toolChoice: 'tool_choice',
  providerOptions: 'providerOptions',
};

type Defined<T> = { [Key in keyof T]?: Exclude<T[Key], undefined> };

function withoutUndefined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Defined<T>;
}
