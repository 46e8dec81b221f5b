import { readFileSync } from 'node:fs';
import { type MonoTypeOperatorFunction, map } from 'rxjs';
import { z } from 'zod';
import { blockSubject, zodIssueToConfigError } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import { errorMessage } from '../error-message.ts';
import type { Engine } from '../model/engine.ts';
import type { ChatMessage, ModelRequest } from '../model/language-model.ts';
import { seededRandom } from '../random.ts';
import type { DataPoint, Outcome } from '../record.ts';
import { type PromptTemplate, compileTemplate } from '../template.ts';
import { extractJson } from '../text/extract-json.ts';
import { BlockError } from './block-error.ts';
import { type FieldMap, inputReader, outputWriter } from './block-io.ts';
import type { BlockCall, BlockContext, BlockFields } from './block-definition.ts';
import { behaviourOperator, commonBlockShape } from './block-operator.ts';
import { resolveInside } from './resolve-inside.ts';

/** The fields an LM block takes in a `pipeline:` builder, beside its engine's. */
export const languageModelBlockShape = {
  /** A Jinja template of the prompt, with the record's fields (and, in a generation pipeline, `examples`) in scope. */
  prompt: z.string().min(1).optional(),
  /** The same, from a file beside the builder YAML. */
  prompt_file: z.string().min(1).optional(),
  /** A system message before the prompt (chat only). */
  system: z.string().min(1).optional(),
  /** Where the answer's text goes on the record (a DGT path: `answer`, `answers[+]`). @default 'result' */
  output_field: z.string().min(1).optional(),
  /** `text`: the answer as it is; `json`: the answer's JSON object, its fields merged into the record. @default 'text' */
  parse: z.enum(['text', 'json']).default('text'),
  /** @default 'chat' */
  method: z.enum(['chat', 'completion']).default('chat'),
  /** In a generation pipeline, how many of the batch's examples the prompt sees (drawn with the input's seed). @default all */
  examples: z.number().int().min(1).optional(),
};

/** Names of the fields of {@link languageModelBlockShape} and the common block fields, which an engine does not take. */
export const languageModelBlockFields: readonly string[] = [...Object.keys(languageModelBlockShape), 'input_map', 'output_map'];

const schema = z
  .looseObject({ ...commonBlockShape, ...languageModelBlockShape })
  .refine((config) => !(config.prompt && config.prompt_file), { message: 'give `prompt` or `prompt_file`, not both', path: ['prompt_file'] })
  .refine((config) => !(config.parse === 'json' && config.output_field), { message: '`parse: json` merges the answer\'s fields; `output_field` does not apply', path: ['output_field'] })
  .refine((config) => !(config.output_field && isMapped(config.output_map, 'result')), { message: 'give `output_field` or an `output_map` of `result`, not both', path: ['output_field'] })
  .refine((config) => !(config.system && config.method === 'completion'), { message: '`system` is a chat message; `method: completion` sends a bare prompt', path: ['system'] });

/** Whether an `output_map` names the block output `output`. */
function isMapped(outputMap: FieldMap | undefined, output: string): boolean {
  return outputMap !== undefined && (Array.isArray(outputMap) ? outputMap.includes(output) : Object.hasOwn(outputMap, output));
}

/** Draws `count` of the examples without replacement, in an order set by the seed. */
function draw(examples: readonly DataPoint[], count: number | undefined, seed: number | undefined): readonly DataPoint[] {
  if (count === undefined || count >= examples.length) return examples;
  const random = seededRandom(seed ?? 0);
  const pool = [...examples];
  for (let index = 0; index < count; index += 1) {
    const pick = index + Math.floor(random() * (pool.length - index));
    [pool[index], pool[pick]] = [pool[pick] as DataPoint, pool[index] as DataPoint];
  }
  return pool.slice(0, count);
}

/** What a template sees: the block's input (the record, with `input_map`'s renames) and, in a generation pipeline, `examples`. */
function scopeOf(input: BlockFields, call: BlockCall, count: number | undefined): Record<string, unknown> {
  return call.examples ? { ...input, examples: draw(call.examples, count, call.seed) } : { ...input };
}

function renderWith(template: PromptTemplate, scope: Record<string, unknown>): string {
  try {
    return template.render(scope);
  } catch (error) {
    // nunjucks: "(unknown path) [Line 1, Column 4]\n  attempted to output null or undefined value"
    const message = errorMessage(error)
      .replace(/^(Template render error:\s*)?(\(unknown path\)\s*)?/i, '')
      .replace(/\s*\n\s*/g, ' ')
      .trim();
    const problem = /null or undefined/.test(message) ? 'names a field the record does not have (or that is null)' : 'cannot be rendered for this record';
    throw new BlockError('template_undefined', `the prompt template ${problem}: ${message}`);
  }
}

/** The request of an `input` read from the record: a prompt text, or chat messages. */
function requestOfInput(input: unknown, method: 'chat' | 'completion', system: string | undefined): ModelRequest {
  if (typeof input === 'string') {
    if (method === 'completion') return { method, prompt: input };
    return { method, messages: [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: input }] };
  }
  if (Array.isArray(input) && method === 'chat') return { method, messages: [...(system ? [{ role: 'system' as const, content: system }] : []), ...(input as ChatMessage[])] };
  throw new BlockError('input_not_text', `the LM block's \`input\` is ${Array.isArray(input) ? 'a list' : typeof input}, expected a prompt text${method === 'chat' ? ' or a list of chat messages' : ''}`);
}

/** The fields of a JSON answer, or a `parse_failed` naming what was read. */
function parseJsonAnswer(text: string): BlockFields {
  const extracted = extractJson(text);
  const value = extracted.success ? extracted.data : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new BlockError('parse_failed', `the answer holds no JSON object: ${JSON.stringify(shown)}`);
  }
  return value as BlockFields;
}

/**
 * An LM block of a `pipeline:` builder: renders its prompt from the record (a Jinja `prompt` or `prompt_file`), or reads
 * a prompt or chat messages from its input `input` (DGT's LM block), calls its engine, and writes the answer: to
 * `output_field` (default `result`, through `output_map`), or with `parse: json` the answer's JSON fields. With `n`
 * above 1, one record per answer. A failed call rejects the record (`lm_call_failed`), a template naming a missing
 * field (`template_undefined`), an answer without JSON (`parse_failed`).
 *
 * ## Example
 * ```yaml
 * - name: answerer
 *   type: openai
 *   model_id_or_path: gpt-4o-mini
 *   prompt: "Answer in one sentence: {{ question }}"
 *   output_field: answer
 * ```
 * @throws {ConfigError} naming the file and the field, for a bad config or a prompt file outside the builder's folder
 */
export function languageModelBlock(raw: unknown, engine: Engine, context: BlockContext): MonoTypeOperatorFunction<Outcome<DataPoint>> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, context.file, { fieldPrefix: context.field, subject: blockSubject(raw) });
  const config = parsed.data;
  if (config.examples !== undefined && context.builderKind !== 'generation') {
    throw new ConfigError('`examples` draws from a generation input\'s seed examples; this builder is not `kind: generation`', { file: context.file, field: `${context.field}.examples` });
  }
  let template: PromptTemplate | undefined;
  const source = config.prompt_file
    ? (() => {
        const path = resolveInside(context.directory, config.prompt_file, { file: context.file, field: `${context.field}.prompt_file` });
        try {
          return readFileSync(path, 'utf8');
        } catch (error) {
          throw new ConfigError(`cannot read the prompt file \`${config.prompt_file}\`: ${errorMessage(error)}`, { file: context.file, field: `${context.field}.prompt_file` });
        }
      })()
    : config.prompt;
  if (source !== undefined) {
    try {
      template = compileTemplate(source);
    } catch (error) {
      throw new ConfigError(`the prompt is not a valid Jinja template: ${errorMessage(error).replace(/^\(unknown path\)\s*/, '').replace(/\s*\n\s*/g, ' ').trim()}`, { file: context.file, field: `${context.field}.${config.prompt_file ? 'prompt_file' : 'prompt'}` });
    }
  }
  const outputMap: FieldMap = { ...(Array.isArray(config.output_map) ? Object.fromEntries(config.output_map.map((field) => [field, field])) : config.output_map), ...(config.output_field ? { result: config.output_field } : {}) };
  const mapped = <T>(field: 'input_map' | 'output_map', make: () => T): T => {
    try {
      return make();
    } catch (error) {
      throw new ConfigError(`block \`${config.name}\`: ${errorMessage(error)}`, { file: context.file, field: `${context.field}.${field}`, cause: error });
    }
  };
  const read = mapped('input_map', () => inputReader(template ? undefined : { required: ['input'] }, config.input_map, config.name));
  const write = mapped('output_map', () => outputWriter(outputMap, config.name));
  const { method, system, parse, examples } = config;
  const requestOf = (input: BlockFields, call: BlockCall): ModelRequest => {
    if (!template) return requestOfInput(input['input'], method, system);
    return requestOfInput(renderWith(template, scopeOf(input, call, examples)), method, system);
  };
  return behaviourOperator(
    {
      kind: 'transform',
      concurrency: engine.callLimit,
      run: (input, call) =>
        engine.call(requestOf(input, call)).pipe(
          map((result) => {
            call.spend(engine.usageOf(result));
            const outputs = result.texts.map((text): BlockFields => (parse === 'json' ? parseJsonAnswer(text) : { result: text }));
            return outputs.length === 1 ? (outputs[0] as BlockFields) : outputs;
          }),
        ),
    },
    { name: config.name, filter: false, read, write },
  );
}
