import { type Observable, map } from 'rxjs';
import type { StageContext } from '../../lib/conversation/stage.ts';
import type { Engine } from '../../lib/model/engine.ts';
import type { ModelRequest, ToolCall } from '../../lib/model/language-model.ts';

/** One answer of a model call: its text, the tools it called (structured tool calls), and its score. */
export interface Choice {
  readonly text: string;
  readonly toolCalls: readonly ToolCall[];
  /** The sum of its tokens' log probabilities when the engine gave them (the block asks with `logprobs`), else 0. */
  readonly score: number;
}

/**
 * One LM call of a stage that weighs every answer (DGT asks for `n` and keeps the best-scoring valid one): the
 * block's parameters under the request's, the usage counted on the conversation. Cold and cancellable.
 *
 * ## Example
 * ```ts
 * askChoices(engine, { method: 'chat', messages }, context).subscribe((choices) => choices.length); // the block's n
 * ```
 */
export function askChoices(engine: Engine, request: ModelRequest, context: Pick<StageContext, 'spend'>): Observable<Choice[]> {
  return engine.call({ ...engine.params, ...request } as ModelRequest).pipe(
    map((result) => {
      context.spend(engine.usageOf(result));
      return result.texts.map((text, index) => ({
        text: text.trim(),
        toolCalls: result.toolCalls?.[index] ?? [],
        score: (result.logprobs?.[index] ?? []).reduce((sum, token) => sum + token.logprob, 0),
      }));
    }),
  );
}

/** The best-scoring of the options (the first of equal ones, as Python's `max`), or undefined when there are none. */
export function bestOption<T>(options: readonly { readonly score: number; readonly value: T }[]): T | undefined {
  return options.reduce<{ readonly score: number; readonly value: T } | undefined>((best, option) => (best === undefined || option.score > best.score ? option : best), undefined)?.value;
}

/** Why no answer could be used: each answer's reason, numbered. */
export function describeFailures(failures: readonly string[]): string {
  if (failures.length === 1) return failures[0]!;
  return `none of the ${failures.length} answers could be used: ${failures.map((reason, index) => `answer ${index + 1}: ${reason}`).join('; ')}`;
}
