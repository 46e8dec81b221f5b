import { map } from 'rxjs';
import { z } from 'zod';
import type { ChatMessage, GenerationParams } from '../../model/language-model.ts';
import { BlockError } from '../block-error.ts';
import type { BlockDefinition, BlockFields, Verdict } from '../block-definition.ts';
import { ask, engineOf, lmConfigSchema, mergeParams, methodSchema, quote, requestOf } from './judge-internals.ts';
import { readJudgeAnswer, successSchema } from './judge-success.ts';

const fields = {
  /** The judging LM: an engine block config (`type`, `model_id_or_path`, `base_url`, ...). */
  lm_config: lmConfigSchema,
  /** What makes an answer a pass: a rule (`equals`, `pattern`, `min`/`max`, on the answer or a JSON `field`) or a function. */
  /** Optional, as in DGT's YAML (where a builder passes its own test per call): without it the block cannot run as a step. */
  success: successSchema.optional(),
  /** `chat` (or DGT's `chat_completion`) or `completion`. @default 'chat' */
  method: methodSchema,
};

const message = z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() });
const promptSchema = z.union([z.string().min(1), z.array(message).min(1)]);

/** DGT's per-record `gen_kwargs`, in DGT's names (and their aliases), mapped onto the engine's. */
const genKwargsSchema = z
  .strictObject({
    temperature: z.number().min(0).optional(),
    max_tokens: z.number().int().min(1).optional(),
    max_new_tokens: z.number().int().min(1).optional(),
    max_completion_tokens: z.number().int().min(1).optional(),
    stop: z.union([z.string(), z.array(z.string())]).optional(),
    stop_sequences: z.array(z.string()).optional(),
    seed: z.number().int().optional(),
    random_seed: z.number().int().optional(),
    top_p: z.number().min(0).max(1).optional(),
    /** Sent in the request body as given (vLLM's `chat_template_kwargs`, ...). */
    extra_body: z.record(z.string(), z.unknown()).optional(),
  })
  .transform((kwargs): GenerationParams => {
    const stop = kwargs.stop ?? kwargs.stop_sequences;
    const params = {
      temperature: kwargs.temperature,
      maxTokens: kwargs.max_tokens ?? kwargs.max_new_tokens ?? kwargs.max_completion_tokens,
      stop: typeof stop === 'string' ? [stop] : stop,
      seed: kwargs.seed ?? kwargs.random_seed,
      topP: kwargs.top_p,
      providerOptions: kwargs.extra_body,
    };
    return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined)) as GenerationParams;
  });

/** The block's inputs, checked: a record with a malformed prompt or `gen_kwargs` is rejected, naming the field. */
function readInput(input: BlockFields, block: string): { readonly prompt: string | readonly ChatMessage[]; readonly params: GenerationParams } {
  const prompt = promptSchema.safeParse(input['input']);
  if (!prompt.success) {
    throw new BlockError('invalid_input', `block \`${block}\`: input \`input\` must be a prompt string or a list of { role, content } messages, received ${quote(JSON.stringify(input['input']) ?? 'nothing')}`);
  }
  const params = genKwargsSchema.safeParse(input['gen_kwargs'] ?? {});
  if (!params.success) {
    const issue = params.error.issues[0];
    throw new BlockError('invalid_input', `block \`${block}\`: input \`gen_kwargs\` ${issue?.path.length ? `field \`${issue.path.join('.')}\` ` : ''}is invalid: ${issue?.message ?? 'unknown problem'}`);
  }
  return { prompt: prompt.data, params: params.data };
}

/**
 * `lm_judge`: asks an LM to judge each record and keeps the record when the answer passes the block's `success`
 * criterion. The prompt is the record's `input` (a string, or chat messages), built by an earlier block; per-record
 * `gen_kwargs` override the engine's parameters. It writes `result` (the raw answer) and, when the criterion reads
 * a score (`min`/`max`), `score`; the verdict's metadata is DGT's `{ judge_output: <answer>, ... }`. A failing answer
 * is `judge_rejected`; an unreadable one (`field` on an answer without JSON, a non-numeric score) is
 * `judge_unparseable`, quoting what was read; a failed LM call rejects the record with `lm_call_failed`.
 *
 * ## Example
 * ```yaml
 * - name: judge
 *   type: lm_judge
 *   filter: true
 *   lm_config: { type: openai, model_id_or_path: gpt-4o-mini }
 *   input_map: { judge_prompt: input }      # a prompt an earlier block rendered
 *   success: { field: verdict, equals: yes } # the answer is JSON like {"verdict": "yes", "why": "..."}
 *   # or: success: { pattern: '^\s*YES\b' }
 *   # or: success: { pattern: 'score:\s*(\d+)', min: 4 }  (writes `score`)
 * ```
 * From code, `success` may be DGT's `success_func`: `(answer, input) => boolean | [boolean, metadata]`.
 */
export const lmJudgeBlock: BlockDefinition<typeof fields> = {
  type: 'lm_judge',
  summary: 'asks an LM to judge each record; keeps it when the answer passes `success`',
  fields,
  inputs: { required: ['input'], optional: ['gen_kwargs'] },
  validator: true,
  create(config, context) {
    const engine = engineOf(config, context);
    const { success, method, name } = config;
    return {
      kind: 'validator',
      concurrency: engine.callLimit,
      check(input, call) {
        if (success === undefined) {
          throw new BlockError('judge_without_success', `block \`${name}\` has no \`success\` rule: give one (equals, pattern, or min/max) to run it as a step`);
        }
        const { prompt, params } = readInput(input, name);
        return ask(engine, requestOf(prompt, method, mergeParams(engine.params, params)), call).pipe(
          map((answer): Verdict => {
            const reading = readJudgeAnswer(success, answer, input);
            const metadata = { judge_output: answer, ...reading.metadata };
            const outputs = { result: answer, ...(reading.score === undefined ? {} : { score: reading.score }) };
            if (reading.valid) return { valid: true, metadata, outputs };
            return { valid: false, code: reading.code, reason: `block \`${name}\`: ${reading.reason}`, metadata, outputs };
          }),
        );
      },
    };
  },
};
