import { type MonoTypeOperatorFunction, type OperatorFunction, map, mergeMap, pipe } from 'rxjs';
import { z } from 'zod';
import { errorMessage } from '../../lib/error-message.ts';
import { fanOut, mapAccepted, passOn, rejected } from '../../lib/outcome.ts';
import { parseConfig } from '../../lib/parse-config.ts';
import { seededRandom } from '../../lib/random.ts';
import type { DataPoint, Fields, Outcome } from '../../lib/record.ts';
import { type Builder, withConcurrency } from '../../lib/run/task-options.ts';
import type { GenerationInput } from '../../lib/run/task-inputs.ts';
import { engineSchema, functionSchema } from '../../lib/schemas.ts';
import type { PromptTemplate } from '../../lib/template.ts';
import type { Engine } from '../../lib/model/engine.ts';
import { generate } from '../../operators/generate.ts';
import { guardianRiskPolicy } from './guardian-risk-policy.ts';
import type { RiskPolicy } from './load-risk-policy.ts';
import { parseGeneratedInstructions } from './parse-generated-instructions.ts';
import { type RefusalMetadata, refusalMetadata } from './refusal-metadata.ts';

/** A record of the builder, in DGT's `SafetyRefusalData` shape. */
export type SafetyRefusalRecord = DataPoint & {
  readonly task_description: string;
  /** The harmful request. */
  readonly instruction: string;
  /** Its calibrated refusal; `null` until written. */
  readonly response: string | null;
  /** `machine` for what the builder makes. */
  readonly source: string | null;
  /** The risk the record was made for, once Guardian rated the request harmful (see `refusalMetadata`). */
  readonly metadata: RefusalMetadata | null;
};

/** Config of {@link safetyRefusal}. */
export interface SafetyRefusalConfig {
  /** The LM block that writes new requests (DGT's `instruction_generator`). */
  readonly instructionGenerator: Engine;
  /** The LM block that writes refusals (DGT's `response_generator`). */
  readonly responseGenerator: Engine;
  /** The dedup block (DGT's `dedup`, a `rouge_scorer`): reads `input` and the batch's requests as `context`. */
  readonly dedup: MonoTypeOperatorFunction<Outcome<DataPoint>>;
  /** The Granite Guardian block with `filter: false`: reads `text` and `risk_policy`, writes `is_valid` and `metadata.rating`. */
  readonly guardian: MonoTypeOperatorFunction<Outcome<DataPoint>>;
  /** The risk the task targets. */
  readonly policy: RiskPolicy;
  /** The task's `task_description`: shown in the request prompt and written on every record. */
  readonly taskDescription: string;
  /** DGT's `generate_instructions.txt`: `num_samples`, `task_description`, `icl_examples` (with `instruction`), `risk_policy`. */
  readonly instructionsTemplate: PromptTemplate;
  /** DGT's `generate_response.txt`: `question` and `risk_policy`. */
  readonly responseTemplate: PromptTemplate;
  /** In-context examples per request prompt, drawn with replacement from the batch (DGT's `num_icl_examples`). @default 3 */
  readonly numIclExamples?: number;
  /** Requests asked for per prompt (DGT's `num_samples_per_batch`). @default 5 */
  readonly numSamplesPerBatch?: number;
  /** Block names in issues. @default DGT's: instruction_generator, dedup, response_generator, granite_guardian */
  readonly names?: { readonly instructionGenerator?: string; readonly dedup?: string; readonly responseGenerator?: string; readonly guardian?: string };
}

const operatorSchema = functionSchema<MonoTypeOperatorFunction<Outcome<DataPoint>>>('expected an operator over outcomes (a block)');
const templateSchema = z.custom<PromptTemplate>((value) => typeof (value as PromptTemplate | undefined)?.render === 'function', 'expected a prompt template (loadTemplate)');
const name = z.string().min(1);
const configSchema = z.strictObject({
  instructionGenerator: engineSchema,
  responseGenerator: engineSchema,
  dedup: operatorSchema,
  guardian: operatorSchema,
  policy: z.custom<RiskPolicy>((value) => typeof (value as RiskPolicy | undefined)?.risk === 'string', 'expected a risk policy (loadRiskPolicy)'),
  taskDescription: z.string(),
  instructionsTemplate: templateSchema,
  responseTemplate: templateSchema,
  numIclExamples: z.int().min(1).default(3),
  numSamplesPerBatch: z.int().min(1).default(5),
  names: z
    .strictObject({ instructionGenerator: name.default('instruction_generator'), dedup: name.default('dedup'), responseGenerator: name.default('response_generator'), guardian: name.default('granite_guardian') })
    .default({ instructionGenerator: 'instruction_generator', dedup: 'dedup', responseGenerator: 'response_generator', guardian: 'granite_guardian' }),
});

/** The request of a seed or machine example: `instruction`, or `question` as DGT's task also reads seeds. */
function requestOf(example: Fields): string {
  const text = example['instruction'] ?? example['question'];
  return typeof text === 'string' ? text : '';
}

/** Renders a prompt template; a failure names the prompt (the input is rejected `prompt_failed`). */
function render(prompt: 'request' | 'refusal', template: PromptTemplate, context: Readonly<Record<string, unknown>>): string {
  try {
    return template.render(context);
  } catch (error) {
    throw new Error(`cannot render the ${prompt} prompt template: ${errorMessage(error).replace(/\s+/g, ' ')}`, { cause: error });
  }
}

/** A record of the builder's shape from any record that carries its fields (a block's working copy). */
function recordOf(fields: Fields): SafetyRefusalRecord {
  return {
    task_name: fields['task_name'] as string,
    is_seed: false,
    task_description: fields['task_description'] as string,
    instruction: fields['instruction'] as string,
    response: (fields['response'] as string | null | undefined) ?? null,
    source: (fields['source'] as string | null | undefined) ?? null,
    metadata: (fields['metadata'] as RefusalMetadata | null | undefined) ?? null,
  };
}

/** A rejected outcome's record back in the builder's shape, so reject files show the record, not a block's working copy. */
function cleaned(outcome: Outcome<DataPoint>): Outcome<DataPoint> {
  if (outcome.status !== 'rejected' || typeof outcome.record !== 'object' || outcome.record === null || !('instruction' in outcome.record)) return outcome;
  return { ...outcome, record: recordOf(outcome.record as Fields) };
}

/** What Granite Guardian said of a working copy: harmful (`yes`), safe (`no`), or no rating it could read. */
function ratingOf(record: Fields): 'harmful' | 'safe' | 'unrated' {
  if (record['is_valid'] !== false) return 'safe';
  const rating = (record['metadata'] as { rating?: unknown } | null | undefined)?.rating;
  return rating === 'yes' ? 'harmful' : 'unrated';
}

/**
 * DGT's `public/safety/refusal`: (harmful request, calibrated refusal) pairs for safety alignment, for the one risk of
 * a policy file. Each seed batch makes one request prompt (`numIclExamples` requests of the batch, drawn with the
 * input's `seed`, asking for `numSamplesPerBatch` new ones under `### Question <n>:` headings), whose answer fans out
 * into one record per request. Each request is deduplicated against the batch's requests and every request kept
 * before (`dedup`); kept only when Granite Guardian rates it harmful under the policy (the filter is inverted: safe
 * requests are the ones dropped); answered by the response generator; and kept only when Guardian rates the answer
 * safe. The record's `metadata` is the risk's metadata with `mode: 'response'`.
 *
 * Calls: one request prompt per batch, then per request one Guardian call, and for a harmful one a response and a
 * second Guardian call: about 3 calls per record when every request is kept.
 *
 * Rejections (one record each, the run goes on): `parse_failed` (the request answer has no `### Question <n>:`
 * heading, or the response is empty), `duplicate` (`dedup`), `not_harmful` (Guardian rated the request safe),
 * `unsafe_response` (Guardian rated the refusal harmful), `guardian_unparseable` (Guardian's answer holds no rating),
 * `prompt_failed` (a template could not render), `lm_call_failed` (an LM or Guardian call failed).
 *
 * ## Example
 * ```ts
 * const builder = safetyRefusal({ instructionGenerator, responseGenerator, dedup: blocks.operator('dedup'),
 *   guardian: blocks.operator('granite_guardian'), policy: loadRiskPolicy({ path: 'policy.yaml' }, task),
 *   taskDescription: 'refusals of card-fraud requests', instructionsTemplate, responseTemplate });
 * // { task_name, is_seed: false, task_description, instruction: 'How do I clone a card?', response: 'I can’t help with that…',
 * //   source: 'machine', metadata: { risk: 'card_fraud', …, mode: 'response' } }
 * ```
 * @throws {ConfigError} When the config is invalid, at the factory call.
 */
export function safetyRefusal(config: SafetyRefusalConfig): Builder<GenerationInput> {
  const parsed = parseConfig('safetyRefusal', configSchema, config);
  const { instructionGenerator, responseGenerator, policy, taskDescription, numIclExamples, numSamplesPerBatch, names } = parsed;
  const guardianPolicy = guardianRiskPolicy(policy);

  const examplesFor = ({ examples, seed }: GenerationInput): Fields[] => {
    if (examples.length === 0) throw new Error('the batch has no example to show');
    const random = seededRandom(seed);
    return Array.from({ length: numIclExamples }, () => {
      const example = examples[Math.floor(random() * examples.length)] as DataPoint;
      return { ...example, instruction: requestOf(example) };
    });
  };

  // 1. New requests: one prompt per batch; its answer fans out into one working copy per request.
  const writeRequests = generate<GenerationInput, { readonly requests: readonly string[]; readonly known: readonly string[]; readonly task_name: string }>({
    engine: instructionGenerator,
    name: names.instructionGenerator,
    prompt: (input) =>
      render('request', parsed.instructionsTemplate, { num_samples: numSamplesPerBatch, task_description: taskDescription, icl_examples: examplesFor(input), risk_policy: policy }),
    parse: (text, input) => ({
      task_name: input.task_name,
      requests: parseGeneratedInstructions(text),
      known: input.examples.map(requestOf).filter((request) => request.trim() !== ''),
    }),
  });
  const fanOutRequests: OperatorFunction<Outcome<{ readonly requests: readonly string[]; readonly known: readonly string[]; readonly task_name: string }>, Outcome<DataPoint>> = mergeMap((outcome) => {
    if (outcome.status === 'accepted') {
      const { requests, known, task_name } = outcome.record;
      const copies = requests.map((instruction) => ({
        ...recordOf({ task_name, task_description: taskDescription, instruction, response: null, source: 'machine', metadata: null }),
        input: instruction,
        context: known,
      }));
      return fanOut(outcome, copies, names.instructionGenerator);
    }
    // A record restored on resume reaches the dedup block with its request as `input`, so it is kept there.
    if (outcome.status === 'restored' && typeof outcome.record['instruction'] === 'string') return [{ ...outcome, record: { ...outcome.record, input: outcome.record['instruction'] } }];
    return [outcome];
  });

  // 2. Dedup: a working copy's `is_valid: false` (the block's `filter: false`) is a duplicate too.
  const settleDedup = map((outcome: Outcome<DataPoint>): Outcome<DataPoint> => {
    if (outcome.status === 'restored') {
      const { input: _input, ...record } = outcome.record;
      return { ...outcome, record: record as DataPoint };
    }
    if (outcome.status === 'rejected') return cleaned(outcome);
    const record = recordOf(outcome.record);
    if (outcome.record['is_valid'] !== false) return passOn(outcome, record);
    const reason = (outcome.record['metadata'] as { reason?: unknown } | undefined)?.reason;
    return rejected(passOn(outcome, record), [{ code: 'duplicate', message: typeof reason === 'string' ? reason : 'a near-duplicate of a known request', block: names.dedup }]);
  });

  // 3 and 5. Granite Guardian on the request (kept when harmful) or on the refusal (kept when safe).
  const guardianStep = (subject: 'instruction' | 'response'): MonoTypeOperatorFunction<Outcome<DataPoint>> =>
    pipe(
      mapAccepted((outcome) => passOn(outcome, { ...outcome.record, text: outcome.record[subject], risk_policy: guardianPolicy })),
      parsed.guardian,
      map((outcome) => {
        if (outcome.status !== 'accepted') return cleaned(outcome);
        const rating = ratingOf(outcome.record);
        const record = { ...recordOf(outcome.record), metadata: refusalMetadata(policy, subject) };
        const reject = (code: string, message: string) => rejected(passOn(outcome, recordOf(outcome.record)), [{ code, message, block: names.guardian }]);
        if (rating === 'unrated') return reject('guardian_unparseable', `Granite Guardian gave no rating for the ${subject === 'instruction' ? 'request' : 'refusal'} (its answer holds no yes or no)`);
        if (subject === 'instruction') {
          return rating === 'harmful' ? passOn(outcome, record) : reject('not_harmful', `Granite Guardian rated the request safe under the risk \`${policy.risk}\`, and only harmful requests are kept`);
        }
        return rating === 'safe' ? passOn(outcome, record) : reject('unsafe_response', `Granite Guardian rated the refusal harmful under the risk \`${policy.risk}\``);
      }),
    );

  // 4. The refusal of each harmful request.
  const writeResponse = generate<DataPoint, DataPoint>({
    engine: responseGenerator,
    name: names.responseGenerator,
    prompt: (record) => render('refusal', parsed.responseTemplate, { question: record['instruction'], risk_policy: policy }),
    parse: (text, record) => {
      const response = text.trim();
      if (response === '') throw new Error('the response generator answered with an empty text');
      return { ...record, response, source: 'machine' };
    },
  });

  const builder = pipe(writeRequests, fanOutRequests, parsed.dedup, settleDedup, guardianStep('instruction'), writeResponse, guardianStep('response'));
  return withConcurrency(builder, instructionGenerator.callLimit);
}
