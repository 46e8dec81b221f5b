import { type Observable, type OperatorFunction, catchError, map, mergeMap, of, throwError } from 'rxjs';
import { z } from 'zod';
import { ApiCallError } from '../lib/errors/api-call-error.ts';
import { RetryError } from '../lib/errors/retry-error.ts';
import type { Engine } from '../lib/model/engine.ts';
import { generationParamsSchema } from '../lib/model/generation-params.ts';
import type { ChatMessage, GenerationParams, ModelRequest } from '../lib/model/language-model.ts';
import { accepted, addUsage, rejected } from '../lib/outcome.ts';
import { parseConfig } from '../lib/parse-config.ts';
import type { Accepted, Outcome } from '../lib/record.ts';
import { engineSchema, functionSchema } from '../lib/schemas.ts';
import { errorMessage } from '../lib/error-message.ts';

/** Config of {@link generate}. */
export interface GenerateConfig<In, Out> {
  /** The LM block that answers; its concurrency cap is shared with every other user of the engine. */
  readonly engine: Engine;
  /** Builds the request from a record: a string (a user message in chat mode, the prompt in completion mode) or messages. */
  readonly prompt: (record: In) => string | readonly ChatMessage[];
  /** Turns the answer into the output record; throwing rejects the record with code `parse_failed`. @default `{ ...record, result }` */
  readonly parse?: (text: string, record: In, texts: readonly string[]) => Out;
  /** `chat` uses /chat/completions, `completion` uses /completions. @default 'chat' */
  readonly method?: 'chat' | 'completion';
  /** Generation parameters; they override the engine's block defaults. Unknown keys are config errors. @default {} */
  readonly params?: GenerationParams;
  /** Block name in issues and reject files. @default engine.name */
  readonly name?: string;
}

const generateConfigSchema = z.object({
  engine: engineSchema,
  prompt: functionSchema<(record: unknown) => string | readonly ChatMessage[]>(),
  parse: functionSchema<(text: string, record: unknown, texts: readonly string[]) => unknown>().optional(),
  method: z.enum(['chat', 'completion']).default('chat'),
  params: generationParamsSchema.default({}),
  name: z.string().min(1).optional(),
});

/** Statuses that no retry or later record can fix: the run must stop and say so. */
const fatalStatuses = new Set([401, 403]);

/**
 * Sends one LM request per accepted record and turns the answer into the next record.
 *
 * One request per input, at most the engine's `callLimit` at once across every task sharing the engine.
 * Unsubscribing aborts in-flight HTTP requests; each call is retried on its own, only on retryable
 * errors. A failed call or an unparseable answer is a rejected record (`lm_call_failed`, `parse_failed`),
 * never a stream error; only authentication failures (401, 403) end the stream.
 * Each record's `usage` counts the call; an answer from the engine's cache is a `cachedCalls` and spends no tokens.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { accepted, createEngine, generate } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const engine = createEngine(new FakeLanguageModel({ answers: 'Paris' }));
 * of(accepted(0, { country: 'France' }))
 *   .pipe(generate({ engine, prompt: (r) => `Capital of ${r.country}?`, parse: (text, r) => ({ ...r, capital: text }) }))
 *   .subscribe((outcome) => console.log(outcome.record));
 * // { country: 'France', capital: 'Paris' }
 * ```
 *
 * @see judge
 * @param config The engine, the prompt builder and the parser.
 * @returns An operator from outcomes of `In` to outcomes of `Out`.
 * @throws {ConfigError} When the config is invalid, at the factory call.
 */
export function generate<In, Out = In & { readonly result: string | readonly string[] }>(
  config: GenerateConfig<In, Out>,
): OperatorFunction<Outcome<In>, Outcome<Out>> {
  const { engine, prompt, parse, method, params, name = config.engine.name } = parseConfig('generate', generateConfigSchema, config);
  const merged: GenerationParams = { ...engine.params, ...params };
  const toOutput = (parse ?? ((text: string, record: unknown, texts: readonly string[]) => ({ ...(record as object), result: texts.length > 1 ? texts : text }))) as (
    text: string,
    record: In,
    texts: readonly string[],
  ) => Out;

  const requestFor = (record: In): ModelRequest => {
    const built = prompt(record);
    if (method === 'completion') {
      const text = typeof built === 'string' ? built : built.map((message) => message.content).join('\n\n');
      return { method, prompt: text, ...merged };
    }
    const messages: readonly ChatMessage[] = typeof built === 'string' ? [{ role: 'user', content: built }] : built;
    return { method, messages, ...merged };
  };

  const answer = (outcome: Accepted<In>): Observable<Outcome<Out>> => {
    let request: ModelRequest;
    try {
      request = requestFor(outcome.record);
    } catch (error) {
      return of(rejected(outcome, [{ code: 'prompt_failed', message: errorMessage(error), block: name }]));
    }
    return engine.call(request).pipe(
      map((result): Outcome<Out> => {
        const usage = addUsage(outcome.usage, engine.usageOf(result));
        try {
          return accepted(outcome.attempt, toOutput(result.texts[0] ?? '', outcome.record, result.texts), usage);
        } catch (error) {
          return rejected(outcome, [{ code: 'parse_failed', message: errorMessage(error), block: name }], usage);
        }
      }),
      catchError((error: unknown) => {
        // A 401 after a retried 5xx arrives wrapped in a RetryError: it is just as fatal.
        const last = RetryError.isInstance(error) ? error.lastError : error;
        const fatal = ApiCallError.isInstance(last) && last.statusCode !== undefined && fatalStatuses.has(last.statusCode);
        if (fatal) return throwError(() => error);
        return of(rejected(outcome, [{ code: 'lm_call_failed', message: errorMessage(error), block: name }]));
      }),
    );
  };

  return (source) =>
    source.pipe(mergeMap((outcome) => (outcome.status === 'accepted' ? answer(outcome) : of(outcome)), engine.callLimit));
}
