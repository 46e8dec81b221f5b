import type { OperatorFunction } from 'rxjs';
import { z } from 'zod';
import type { Engine, EngineResult } from '../lib/model/engine.ts';
import { generationParamsSchema } from '../lib/model/generation-params.ts';
import type { ChatMessage, GenerationParams, ModelRequest } from '../lib/model/language-model.ts';
import { addUsage, passOn, rejected } from '../lib/outcome.ts';
import { parseConfig } from '../lib/parse-config.ts';
import type { Accepted, Outcome, Usage } from '../lib/record.ts';
import { engineSchema, functionSchema } from '../lib/schemas.ts';
import { errorMessage } from '../lib/error-message.ts';
import { type StartedSink, mergeStarted, noCancel } from '../lib/merge-started.ts';
import { type AnswerProblem, checkAnswer, isFatal, repairRequest, requestOf, responseFormatFor, schemaIssues } from './generate-internals.ts';

interface GenerateBaseConfig<In> {
  /** The LM block that answers; its concurrency cap is shared with every other user of the engine. */
  readonly engine: Engine;
  /** Builds the request from a record: a string (a user message in chat mode, the prompt in completion mode) or messages. */
  readonly prompt: (record: In) => string | readonly ChatMessage[];
  /** `chat` uses /chat/completions, `completion` uses /completions. @default 'chat' */
  readonly method?: 'chat' | 'completion';
  /** Generation parameters; they override the engine's block defaults. Unknown keys are config errors. @default {} */
  readonly params?: GenerationParams;
  /** Block name in issues and reject files. @default engine.name */
  readonly name?: string;
}

/** Config of {@link generate} in text mode: the answer is text, and `parse` makes the record. */
export interface GenerateConfig<In, Out> extends GenerateBaseConfig<In> {
  /** Turns the answer into the output record; throwing rejects the record with code `parse_failed`. @default `{ ...record, result }` */
  readonly parse?: (text: string, record: In, texts: readonly string[]) => Out;
}

/**
 * Config of {@link generate} in structured mode: the answer is JSON that `schema` validates, and `toRecord` makes
 * the record from the validated value. Write LLM-facing schemas with `z.object` at the root and `.nullable()`, not
 * `.optional()`: `z.toJSONSchema` then lists every field in `required` with `additionalProperties: false`, which
 * OpenAI's strict mode demands (it refuses a schema with an optional field), and Anthropic's tools need an object root.
 */
export interface StructuredGenerateConfig<In, S extends z.ZodType, Out> extends GenerateBaseConfig<In> {
  /** What the answer must satisfy; converted once, at the factory call, by `z.toJSONSchema` (`$schema` dropped). Transforms are config errors. */
  readonly schema: S;
  /** Name of the response format (OpenAI `json_schema.name`, Anthropic's tool): 1–64 letters, digits, `_`, `-`. @default 'output' */
  readonly schemaName?: string;
  /** Turns the validated value into the output record; throwing rejects the record with `parse_failed`. @default `{ ...record, [outputField]: value }` */
  readonly toRecord?: (value: z.output<S>, record: In) => Out;
  /** Field the default `toRecord` puts the value in. @default 'result' */
  readonly outputField?: string;
  /** Extra calls that show the model its invalid answer and the problems, before the record is rejected (`schema_invalid`). @default 2 */
  readonly repairs?: number;
}

const generateConfigSchema = z
  .object({
    engine: engineSchema,
    prompt: functionSchema<(record: unknown) => string | readonly ChatMessage[]>(),
    parse: functionSchema<(text: string, record: unknown, texts: readonly string[]) => unknown>().optional(),
    method: z.enum(['chat', 'completion']).default('chat'),
    params: generationParamsSchema.default({}),
    name: z.string().min(1).optional(),
    schema: z.custom<z.ZodType>((value) => value instanceof z.ZodType, 'expected a zod schema').optional(),
    schemaName: z.string().regex(/^[\w-]{1,64}$/, 'expected 1 to 64 letters, digits, `_` or `-`').optional(),
    toRecord: functionSchema<(value: unknown, record: unknown) => unknown>().optional(),
    outputField: z.string().min(1).optional(),
    repairs: z.number().int().min(0).optional(),
  })
  .superRefine((config, context) => {
    const misplaced = config.schema === undefined ? (['schemaName', 'toRecord', 'outputField', 'repairs'] as const) : (['parse'] as const);
    for (const key of misplaced) {
      if (config[key] !== undefined) context.addIssue({ code: 'custom', path: [key], message: config.schema ? 'not used with `schema` (use `toRecord`)' : 'only used with `schema`' });
    }
  });

/** Stands for "no `toRecord`": the output record is the input with the value under `outputField`. */
declare const defaultRecord: unique symbol;
type DefaultRecord = typeof defaultRecord;

/**
 * Sends one LM request per accepted record and turns the answer into the next record, as text or as validated JSON.
 *
 * One request per input, at most the engine's `callLimit` at once across every task sharing the engine.
 * Unsubscribing aborts in-flight HTTP requests; each call is retried on its own, only on retryable errors.
 * With a `schema`, each engine is asked for JSON in its own form (OpenAI `response_format`, Ollama `format`,
 * Anthropic forced tool use, watsonx JSON mode); the answer is read leniently (code fences and prose around it are
 * ignored) and validated, and an invalid one is sent back with its problems up to `repairs` times, each a real call.
 * A failed call, an unusable answer or an answer still invalid after its repairs is a rejected record
 * (`lm_call_failed`, `parse_failed`, `schema_invalid` with one issue per problem), never a stream error; only
 * authentication failures (401, 403) end the stream. Each record's `usage` sums its calls, repairs included; an
 * answer from the engine's cache is a `cachedCalls` and spends no tokens.
 *
 * ## Example
 * ```ts
 * import { of } from 'rxjs';
 * import { z } from 'zod';
 * import { accepted, createEngine, generate } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const engine = createEngine(new FakeLanguageModel({ answers: '```json\n{ "capital": "Paris", "population": null }\n```' }));
 * const schema = z.object({ capital: z.string(), population: z.number().nullable() });
 * of(accepted('0-ab12', { country: 'France' }))
 *   .pipe(generate({ engine, prompt: (r) => `Capital of ${r.country}?`, schema, toRecord: (value, r) => ({ ...r, ...value }) }))
 *   .subscribe((outcome) => console.log(outcome.record));
 * // { country: 'France', capital: 'Paris', population: null }
 * ```
 *
 * @see judge
 * @param config The engine, the prompt builder, and `parse` (text) or `schema` with `toRecord` (structured).
 * @returns An operator from outcomes of `In` to outcomes of `Out`.
 * @throws {ConfigError} When the config is invalid, at the factory call.
 */
// `Out` comes second in both signatures, so `generate<In, Out>` names the output record in either mode.
export function generate<In, Out = DefaultRecord, S extends z.ZodType = z.ZodType, const F extends string = 'result'>(
  config: StructuredGenerateConfig<In, S, Out> & { readonly outputField?: F },
): OperatorFunction<Outcome<In>, Outcome<[Out] extends [DefaultRecord] ? In & { readonly [K in F]: z.output<S> } : Out>>;
export function generate<In, Out = In & { readonly result: string | readonly string[] }>(config: GenerateConfig<In, Out>): OperatorFunction<Outcome<In>, Outcome<Out>>;
export function generate(config: GenerateConfig<unknown, unknown> | StructuredGenerateConfig<unknown, z.ZodType, unknown>): OperatorFunction<Outcome<unknown>, Outcome<unknown>> {
  const parsed = parseConfig('generate', generateConfigSchema, config);
  const { engine, prompt, method, schema, repairs = 2, outputField = 'result', name = parsed.engine.name } = parsed;
  const merged: GenerationParams = { ...engine.params, ...parsed.params };
  const format = schema && responseFormatFor(schema, parsed.schemaName ?? 'output', merged);
  const parse = parsed.parse ?? ((text, record, texts) => ({ ...(record as object), result: texts.length > 1 ? texts : text }));
  const toRecord = parsed.toRecord ?? ((value, record) => ({ ...(record as object), [outputField]: value }));
  const shared: GenerationParams & Pick<ModelRequest, 'responseFormat'> = { ...merged, ...(format ? { responseFormat: format } : {}) };

  /** The output record, or the problems of an answer that does not satisfy the schema. */
  const read = (result: EngineResult, record: unknown): { readonly record: unknown } | { readonly problems: readonly AnswerProblem[] } => {
    const text = result.texts[0] ?? '';
    if (!schema) return { record: parse(text, record, result.texts) };
    const checked = checkAnswer(text, schema);
    return checked.success ? { record: toRecord(checked.data, record) } : checked;
  };

  /** The outcome of an answer, or the request of its repair when it is invalid and repairs are left. */
  const settle = (outcome: Accepted<unknown>, request: ModelRequest, result: EngineResult, usage: Usage | undefined, repairsLeft: number): Outcome<unknown> | { readonly repair: ModelRequest; readonly spent: Usage | undefined } => {
    const spent = addUsage(usage, engine.usageOf(result));
    let answer: ReturnType<typeof read>;
    try {
      answer = read(result, outcome.record);
    } catch (error) {
      return rejected(outcome, [{ code: 'parse_failed', message: errorMessage(error), block: name }], spent);
    }
    if ('record' in answer) return passOn(outcome, answer.record, spent);
    if (repairsLeft === 0) return rejected(outcome, schemaIssues(answer.problems, name), spent);
    return { repair: repairRequest(request, result.texts[0] ?? '', answer.problems), spent };
  };

  /**
   * One call for the record, then a repair call while the answer is invalid and repairs are left, told to `sink`; returns
   * what cancels it. No Observable per call (a call per record): the engine's handlers are all there is between the
   * engine and the stream. A failed call, or an answer that cannot be read, is a rejection; only a fatal failure (401,
   * 403) fails the stream.
   */
  const ask = (outcome: Accepted<unknown>, request: ModelRequest, usage: Usage | undefined, repairsLeft: number, sink: StartedSink<Outcome<unknown>>): (() => void) => {
    let repair: (() => void) | undefined;
    const failed = (error: unknown): void => {
      if (isFatal(error)) return sink.error(error);
      sink.next(rejected(outcome, [{ code: 'lm_call_failed', message: errorMessage(error), block: name }], usage));
      sink.complete();
    };
    const cancel = engine.start(request, {
      next: (result) => {
        let settled: ReturnType<typeof settle>;
        try {
          settled = settle(outcome, request, result, usage, repairsLeft);
        } catch (error) {
          return failed(error);
        }
        if (!('repair' in settled)) return sink.next(settled);
        // A repair settles its own failures: only a fatal one fails the stream.
        repair = ask(outcome, settled.repair, settled.spent, repairsLeft - 1, sink);
      },
      error: failed,
      complete: () => {
        if (repair === undefined) sink.complete();
      },
    });
    return () => {
      cancel();
      repair?.();
    };
  };

  /** Starts the work of one outcome: a call for an accepted one; any other passes on as it is. */
  const answer = (outcome: Outcome<unknown>, sink: StartedSink<Outcome<unknown>>): (() => void) => {
    if (outcome.status !== 'accepted') return passed(outcome, sink);
    let request: ModelRequest;
    try {
      request = requestOf(prompt(outcome.record), method, shared);
    } catch (error) {
      return passed(rejected(outcome, [{ code: 'prompt_failed', message: errorMessage(error), block: name }]), sink);
    }
    return ask(outcome, request, outcome.usage, schema ? repairs : 0, sink);
  };

  // As `mergeMap` would, at most the engine's `callLimit` at once, without an Observable per call.
  return mergeStarted(answer, engine.callLimit);
}

/** An outcome told as it is: work that ends as it starts. */
function passed(outcome: Outcome<unknown>, sink: StartedSink<Outcome<unknown>>): () => void {
  sink.next(outcome);
  sink.complete();
  return noCancel;
}
