import { type MonoTypeOperatorFunction, pipe } from 'rxjs';
import { z } from 'zod';
import type { Engine } from '../lib/model/engine.ts';
import { generationParamsSchema } from '../lib/model/generation-params.ts';
import type { ChatMessage, GenerationParams } from '../lib/model/language-model.ts';
import { mapAccepted, passOn, rejected } from '../lib/outcome.ts';
import { errorMessage } from '../lib/error-message.ts';
import { parseConfig } from '../lib/parse-config.ts';
import type { Outcome } from '../lib/record.ts';
import { engineSchema, functionSchema } from '../lib/schemas.ts';
import { generate } from './generate.ts';

/** What a judge's verdict function returns: a boolean, or a decision with a reason. */
export type JudgeVerdict = boolean | { readonly accept: boolean; readonly reason?: string };

/** Config of {@link judge}. */
export interface JudgeConfig<T> {
  /** The judging LM block. */
  readonly engine: Engine;
  /** Builds the judge's request from the record under review. */
  readonly prompt: (record: T) => string | readonly ChatMessage[];
  /** Reads the judge's answer; throwing counts as a rejection with code `judge_unparseable`. */
  readonly verdict: (text: string, record: T) => JudgeVerdict;
  /** Field where the judge's raw answer is kept on the record. @default 'judge_output' */
  readonly field?: string;
  /** @default 'chat' */
  readonly method?: 'chat' | 'completion';
  /** Generation parameters for the judge's requests; they override the engine's block defaults. @default {} */
  readonly params?: GenerationParams;
  /** Block name in issues and reject files. @default 'judge' */
  readonly name?: string;
}

const configSchema = z.object({
  engine: engineSchema,
  prompt: functionSchema<(record: unknown) => string | readonly ChatMessage[]>(),
  verdict: functionSchema<(text: string, record: unknown) => JudgeVerdict>(),
  field: z.string().min(1).default('judge_output'),
  method: z.enum(['chat', 'completion']).default('chat'),
  params: generationParamsSchema.default({}),
  name: z.string().min(1).default('judge'),
});

/** Normalises a verdict; anything but a boolean or `{ accept: boolean }` is an error (plain JS callers). */
function readVerdict(verdict: JudgeVerdict): { accept: boolean; reason: string | undefined } {
  if (typeof verdict === 'boolean') return { accept: verdict, reason: undefined };
  if (typeof verdict === 'object' && verdict !== null && typeof verdict.accept === 'boolean') return { accept: verdict.accept, reason: verdict.reason };
  throw new TypeError(`a verdict must be a boolean or { accept: boolean }, received ${JSON.stringify(verdict)}`);
}

interface Judged<T> {
  readonly record: T;
  readonly text: string;
}

/**
 * LLM-as-judge: asks a model about each accepted record and turns its verdict into accept or reject.
 * The judge's answer is kept on the record (`judge_output`) either way; a rejection carries code
 * `judge_rejected` and the verdict's reason. A failed judge call is a rejection (`lm_call_failed`).
 *
 * ## Example
 * ```ts
 * import { createEngine, judge } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const engine = createEngine(new FakeLanguageModel({ answers: 'NO: the answer is wrong' }), { name: 'judge' });
 * outcomes$.pipe(judge({ engine, prompt: (r) => `Is "${r.answer}" right for "${r.question}"? YES or NO`, verdict: (text) => text.startsWith('YES') }));
 * // every record rejected, with judge_output 'NO: the answer is wrong'
 * ```
 *
 * @see generate
 * @param config The judging engine, its prompt and the verdict reader.
 * @returns An operator that accepts or rejects each record on the judge's word.
 * @throws {ConfigError} When the config is invalid, at the factory call.
 */
export function judge<T extends object>(config: JudgeConfig<T>): MonoTypeOperatorFunction<Outcome<T>> {
  const { engine, prompt, verdict, field, method, params, name } = parseConfig('judge', configSchema, config);
  return pipe(
    generate<T, Judged<T>>({ engine, prompt, method, params, name, parse: (text, record) => ({ record, text }) }),
    mapAccepted((outcome): Outcome<T> => {
      const { record, text } = outcome.record;
      const kept = { ...record, [field]: text } as T;
      const judged = passOn(outcome, kept);
      let decision: { accept: boolean; reason: string | undefined };
      try {
        decision = readVerdict(verdict(text, record));
      } catch (error) {
        return rejected(judged, [{ code: 'judge_unparseable', message: errorMessage(error), block: name }]);
      }
      if (decision.accept) return judged;
      const reason = decision.reason ?? 'the judge rejected the record';
      return rejected(judged, [{ code: 'judge_rejected', message: reason, block: name }]);
    }),
  );
}
