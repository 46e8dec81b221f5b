import { type Observable, map } from 'rxjs';
import { z } from 'zod';
import { ConfigError } from '../../errors/config-error.ts';
import type { Engine } from '../../model/engine.ts';
import type { ModelRequest, TokenLogprob } from '../../model/language-model.ts';
import { BlockError } from '../block-error.ts';
import type { BlockCall, BlockDefinition, Verdict } from '../block-definition.ts';
import { engineOf, lmConfigSchema, mergeParams, quote, requestOf } from './judge-internals.ts';

/** What Granite Guardian checks a text for (DGT's `risk_policy`); other keys are allowed and ignored. */
const riskPolicySchema = z.looseObject({
  /** 3.3: a built-in risk (`harm`, `social_bias`, `jailbreak`, ...). */
  criteria_id: z.string().min(1).optional(),
  /** 3.3: a policy in plain words. */
  custom_criteria: z.string().min(1).optional(),
  /** 3.2: a built-in risk name, or (as DGT sends it) a risk described in plain words. */
  risk_name: z.string().min(1).optional(),
  /** 3.2: the definition of a custom `risk_name`. */
  risk_definition: z.string().min(1).optional(),
});
type RiskPolicy = z.output<typeof riskPolicySchema>;

const fields = {
  /** The Guardian LM: an engine block config (`type`, `model_id_or_path`, `base_url`, ...), served by vLLM or an OpenAI-compatible server. */
  lm_config: lmConfigSchema,
  /** `'3.3'` or `'3.2'` (a YAML number is read as the version). @default '3.3' */
  model_version: z
    .union([z.enum(['3.3', '3.2']), z.literal(3.3), z.literal(3.2)])
    .default('3.3')
    .transform((version) => String(version) as '3.3' | '3.2'),
  /** 3.3 only: ask for a `<think>` trace before the score; it is written as `reasoning`. @default false */
  think: z.boolean().default(false),
  /** rxdgt: the risk policy of records that carry none (their `risk_policy` input wins). @default none */
  risk_policy: riskPolicySchema.optional(),
};

/** Granite Guardian 3.2's built-in risks; another `risk_name` is sent as a definition, as DGT does. */
const builtInRisks32 = new Set(['harm', 'social_bias', 'jailbreak', 'violence', 'profanity', 'sexual_content', 'unethical_behavior', 'relevance', 'groundedness', 'answer_relevance', 'function_call']);

/** The chat template's `guardian_config` for a policy, or why the policy does not fit the version. */
function guardianConfigOf(policy: RiskPolicy, version: '3.3' | '3.2'): Record<string, string> | string {
  if (version === '3.3') {
    if (policy.criteria_id !== undefined) return { risk: policy.criteria_id };
    if (policy.custom_criteria !== undefined) return { custom_criteria: policy.custom_criteria };
    return 'for Granite Guardian 3.3 a risk policy needs `criteria_id` or `custom_criteria`';
  }
  const { risk_name: name, risk_definition: definition } = policy;
  if (name === undefined) return 'for Granite Guardian 3.2 a risk policy needs `risk_name`';
  if (definition !== undefined) return { risk_name: name, risk_definition: definition };
  return builtInRisks32.has(name) ? { risk_name: name } : { risk_definition: name };
}

/** DGT's parsing: 3.3 answers `<score> yes|no </score>` (after an optional `<think>` trace); 3.2 a bare Yes or No. */
function readAnswer(text: string, version: '3.3' | '3.2'): { readonly rating: 'yes' | 'no' | null; readonly reasoning: string | undefined } {
  if (version === '3.2') return { rating: (/\b(yes|no)\b/i.exec(text)?.[1]?.toLowerCase() as 'yes' | 'no' | undefined) ?? null, reasoning: undefined };
  const reasoning = /<think>([\s\S]*?)<\/think>/i.exec(text)?.[1]?.trim();
  const rating = (/<score>\s*(yes|no)\s*<\/score>/i.exec(text)?.[1]?.toLowerCase() as 'yes' | 'no' | undefined) ?? null;
  return { rating, reasoning };
}

/** Greedy decoding and room for `<score>yes</score>`, whatever `lm_config` says (DGT's enforced settings). */
const scoreTokens = 20;
/** Room for a think trace when `lm_config` sets no `max_tokens`. */
const thinkTokens = 1024;
/** 3.2: how many of the first answer token's most likely tokens are asked for (DGT's `logprobs: 4`). */
const topTokens = 4;

/**
 * Granite Guardian 3.2's probability of risk: at the first answer token, the probability of the alternatives that
 * read yes over those that read yes or no (trimmed, any case), to 4 decimals as DGT rounds it. Undefined when the
 * engine gave no alternatives for that token, or none of them reads yes or no.
 */
function confidenceOf(logprobs: readonly TokenLogprob[] | undefined): number | undefined {
  const alternatives = logprobs?.[0]?.top ?? [];
  let yes = 0;
  let no = 0;
  for (const { token, logprob } of alternatives) {
    const word = token.trim().toLowerCase();
    if (word === 'yes') yes += Math.exp(logprob);
    else if (word === 'no') no += Math.exp(logprob);
  }
  return yes + no > 0 ? Number((yes / (yes + no)).toFixed(4)) : undefined;
}

/** The first answer of a Guardian call: its text, and its tokens' log probabilities when the engine gave them. */
type GuardianAnswer = { readonly text: string; readonly logprobs: readonly TokenLogprob[] | undefined };

/** One Guardian call for one record, its usage spent on the record (as the folder's `ask`, keeping the logprobs). */
function askGuardian(engine: Engine, request: ModelRequest, call: BlockCall): Observable<GuardianAnswer> {
  return engine.call(request).pipe(
    map((result) => {
      call.spend(engine.usageOf(result));
      return { text: result.texts[0] ?? '', logprobs: result.logprobs?.[0] };
    }),
  );
}

/**
 * `validators/granite_guardian`: asks IBM Granite Guardian (3.3 or 3.2) whether a record's `text` carries a risk,
 * under the record's `risk_policy` (or the block's). The policy goes to the chat template as
 * `chat_template_kwargs.guardian_config` (3.3: `{ risk }` from `criteria_id`, or `{ custom_criteria }`; 3.2:
 * `{ risk_name }`, with `risk_definition` when given), and `think` for 3.3. Decoding is greedy with at most 20 tokens
 * (think mode: `lm_config`'s `max_tokens`, else 1024). The text is safe, so valid, when Guardian answers no. The
 * metadata holds `rating` (`yes`/`no`), and `reasoning` in think mode, also written as the `reasoning` output.
 * 3.2 also asks for the log probabilities of the 4 most likely first tokens (`logprobs: true, topLogprobs: 4`, as
 * DGT does) and writes `confidence`, the probability of risk: p(yes) / (p(yes) + p(no)), summing the alternatives
 * that read yes or no (trimmed, any case), to 4 decimals; in the metadata and as the `confidence` output. It is left
 * out when the engine returns no log probabilities (some servers and engines ignore the request) or none of the
 * alternatives reads yes or no. 3.3 answers `<score>` first, so it asks for none and has no confidence, as in DGT.
 * Risky text is rejected `unsafe_content`; an answer with no rating is `guardian_unparseable` (DGT: invalid, with
 * `metadata.reason`); a failed call is `lm_call_failed`.
 *
 * ## Example
 * ```yaml
 * - name: guardian
 *   type: validators/granite_guardian
 *   model_version: "3.3"
 *   filter: true
 *   lm_config: { type: vllm-remote, model_id_or_path: ibm-granite/granite-guardian-3.3-8b, base_url: http://localhost:8000/v1 }
 *   input_map: { answer: text }
 *   risk_policy: { criteria_id: harm }
 * ```
 */
export const graniteGuardianBlock: BlockDefinition<typeof fields> = {
  type: 'validators/granite_guardian',
  summary: 'rates each text with IBM Granite Guardian under a risk policy; safe text is valid',
  fields,
  inputs: { required: ['text'], optional: ['risk_policy'] },
  validator: true,
  create(config, context) {
    const { model_version: version, think, name } = config;
    if (think && version !== '3.3') {
      throw new ConfigError(`block \`${name}\`: \`think: true\` needs \`model_version: '3.3'\`, received '${version}'`, { file: context.file, field: `${context.field}.think` });
    }
    if (config.risk_policy !== undefined) {
      const problem = guardianConfigOf(config.risk_policy, version);
      if (typeof problem === 'string') throw new ConfigError(`block \`${name}\`: ${problem}`, { file: context.file, field: `${context.field}.risk_policy` });
    }
    const engine = engineOf(config, context);
    const maxTokens = think ? (engine.params.maxTokens ?? thinkTokens) : scoreTokens;
    return {
      kind: 'validator',
      concurrency: engine.callLimit,
      check(input, call) {
        const text = input['text'];
        if (typeof text !== 'string' || text.trim() === '') {
          throw new BlockError('invalid_input', `block \`${name}\`: input \`text\` must be a non-empty string, received ${quote(JSON.stringify(text) ?? 'nothing')}`);
        }
        const given = input['risk_policy'] ?? config.risk_policy;
        if (given === undefined) throw new BlockError('input_missing', `block \`${name}\`: the record has no \`risk_policy\` and the block sets none`);
        const policy = riskPolicySchema.safeParse(given);
        if (!policy.success) throw new BlockError('invalid_input', `block \`${name}\`: input \`risk_policy\` must be an object of strings, received ${quote(JSON.stringify(given))}`);
        const guardianConfig = guardianConfigOf(policy.data, version);
        if (typeof guardianConfig === 'string') throw new BlockError('invalid_input', `block \`${name}\`: ${guardianConfig}`);
        const chatTemplate = { guardian_config: guardianConfig, ...(version === '3.3' ? { think } : {}) };
        const logprobs = version === '3.2' ? { logprobs: true, topLogprobs: topTokens } : {};
        const params = mergeParams(engine.params, { temperature: 0, maxTokens, ...logprobs, providerOptions: { chat_template_kwargs: chatTemplate } });
        return askGuardian(engine, requestOf(text, 'chat', params), call).pipe(
          map(({ text: answer, logprobs: tokens }): Verdict => {
            const { rating, reasoning } = readAnswer(answer, version);
            const confidence = version === '3.2' ? confidenceOf(tokens) : undefined;
            const outputs = { ...(confidence === undefined ? {} : { confidence }), ...(reasoning === undefined ? {} : { reasoning }) };
            const found = { rating, ...outputs };
            const risk = Object.values(guardianConfig)[0];
            if (rating === 'no') return { valid: true, metadata: found, outputs };
            if (rating === 'yes') return { valid: false, code: 'unsafe_content', reason: `block \`${name}\`: Granite Guardian found the risk ${quote(risk ?? '', 60)} in the text`, metadata: found, outputs };
            const expected = version === '3.3' ? '<score>yes</score> or <score>no</score>' : 'Yes or No';
            return {
              valid: false,
              code: 'guardian_unparseable',
              reason: `block \`${name}\`: Granite Guardian's answer holds no ${expected}: ${quote(answer)}`,
              metadata: { ...found, reason: 'no rating in the Guardian answer' },
              outputs,
            };
          }),
        );
      },
    };
  },
};
