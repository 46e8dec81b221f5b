import { ConfigError } from '../errors/config-error.ts';
import { paramBlockFields } from '../model/generation-params.ts';
import type { GenerationParams } from '../model/language-model.ts';

/** Parameters an engine cannot honour, each with the reason, as the error words it (`the Messages API has no ...`). */
export type Refusals = { readonly [Key in keyof GenerationParams]?: string };

/**
 * Whether a parameter asks for something: set, not `false`, not an empty list. `skipSpecialTokens` is the other way
 * round: servers drop special tokens by default, so only `false` asks for something.
 */
function isActive(param: keyof GenerationParams, value: unknown): boolean {
  if (param === 'skipSpecialTokens') return value === false;
  return value !== undefined && value !== false && !(Array.isArray(value) && value.length === 0);
}

/**
 * The ConfigError of a parameter an engine cannot take, naming its block field.
 *
 * ## Example
 * ```ts
 * paramError('anthropic', 'logprobs', 'not supported (the Messages API returns no log probabilities)');
 * // ConfigError: anthropic: invalid config at `logprobs`: not supported (the Messages API returns no log probabilities)
 * ```
 */
export function paramError(engine: string, param: keyof GenerationParams, problem: string): ConfigError {
  const field = paramBlockFields[param];
  return new ConfigError(`${engine}: invalid config at \`${field}\`: ${problem}`, { field });
}

/**
 * Throws for the first parameter of `params` the engine refuses; called on a block's parameters when its engine is
 * made, and on each request's before it is sent.
 *
 * ## Example
 * ```ts
 * refuseParams('anthropic', { logprobs: true }, { logprobs: 'the Messages API returns no log probabilities' });
 * // throws ConfigError (field `logprobs`): anthropic: invalid config at `logprobs`: not supported (the Messages API ...)
 * ```
 * @throws {ConfigError} naming the block field
 */
export function refuseParams(engine: string, params: GenerationParams, refusals: Refusals): void {
  for (const [param, reason] of Object.entries(refusals) as [keyof GenerationParams, string][]) {
    if (isActive(param, params[param])) throw paramError(engine, param, `not supported (${reason})`);
  }
}
