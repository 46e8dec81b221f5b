import { z } from 'zod';
import type { GenerationParams } from './language-model.ts';

/**
 * Checks {@link GenerationParams} wherever they enter: the engine config, `generate` and `judge`. Strict, so a key
 * spelled the DGT way from plain JS (`{ max_tokens: 5 }`) is an error instead of being dropped without a word.
 * A key given as `undefined` counts as not set: it is removed, so it cannot hide the engine's value when merged.
 */
export const generationParamsSchema: z.ZodType<GenerationParams, unknown> = z
  .strictObject({
    temperature: z.number().min(0).optional(),
    maxTokens: z.number().int().min(1).optional(),
    stop: z.array(z.string()).readonly().optional(),
    seed: z.number().int().optional(),
    n: z.number().int().min(1).optional(),
    topP: z.number().min(0).max(1).optional(),
    providerOptions: z.record(z.string(), z.unknown()).readonly().optional(),
  })
  .transform((params): GenerationParams => withoutUndefined(params));

type Defined<T> = { [Key in keyof T]?: Exclude<T[Key], undefined> };

function withoutUndefined<T extends object>(value: T): Defined<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Defined<T>;
}
