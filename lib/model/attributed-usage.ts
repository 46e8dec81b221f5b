import type { ModelUsage, Usage } from '../record.ts';

/** What a model costs, in US dollars per million tokens. */
export interface ModelPrice {
  readonly inputPerMillion: number;
  readonly outputPerMillion: number;
}

/** What one engine answer spent: its calls (a cache hit is a cached call) and tokens. */
export interface SpentTokens {
  readonly calls: number;
  readonly cachedCalls: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

/**
 * The {@link Usage} of one engine answer, attributed to `key` (`<block>: <provider>/<model>`), with its cost from
 * `price` (none without one). Every engine (LM, embedding) words its usage through this, so reports add them up.
 *
 * ## Example
 * ```ts
 * attributedUsage('embedder: openai/e5', { inputPerMillion: 0.02, outputPerMillion: 0 }, { calls: 1, cachedCalls: 0, promptTokens: 1000, completionTokens: 0 });
 * // { calls: 1, cachedCalls: 0, promptTokens: 1000, completionTokens: 0, costUsd: 0.00002, byModel: { 'embedder: openai/e5': { ... } } }
 * ```
 */
export function attributedUsage(key: string, price: ModelPrice | undefined, spent: SpentTokens): Usage {
  const { calls, cachedCalls, promptTokens, completionTokens } = spent;
  const costUsd = price ? (promptTokens * price.inputPerMillion + completionTokens * price.outputPerMillion) / 1e6 : 0;
  const usage = { calls, cachedCalls, promptTokens, completionTokens, costUsd };
  const byModel: Record<string, ModelUsage> = {};
  byModel[key] = usage;
  return { calls, cachedCalls, promptTokens, completionTokens, costUsd, byModel };
}
