import { z } from 'zod';
import type { BlockDefinition, BlockFields, Verdict } from '../block-definition.ts';
import { isAssistant, turnsOf } from './magpie-conversation.ts';
import { difficultyScale, qualityScale, scoreScale } from './magpie-tag-prompts.ts';

const filterTypes = ['all', 'invalid_scores', 'high_quality_filter', 'invalid_samples'] as const;
const labels = z.array(z.union([z.string(), z.number()]).transform(String)).min(1);

const fields = {
  /** Which checks run besides the sample check: `invalid_scores`, `high_quality_filter`, or `all`; one or a list. */
  filter_type: z.union([z.enum(filterTypes), z.array(z.enum(filterTypes)).min(1)]).transform((types) => new Set(Array.isArray(types) ? types : [types])),
  /** What `high_quality_filter` keeps; a missing key keeps its default. @default { input_quality: [good, excellent], sample_quality: ['5'], difficulty: all } */
  filter_criteria: z.strictObject({ input_quality: labels.optional(), sample_quality: labels.optional(), difficulty: labels.optional() }).optional(),
  /** `high_quality_filter` also drops a record whose `min_similar_uuid` (from `magpie_distance`) names another record. @default true */
  remove_duplicates: z.boolean().default(true),
};

type Failure = Extract<Verdict, { valid: false }>;
const fail = (code: string, reason: string): Failure => ({ valid: false, code, reason, metadata: { reason } });

/** DGT's `flatten`: a tag of several models' labels (`[{ <model>: <label> }, ...]`) becomes the first model's label. */
function flatten(value: unknown): unknown {
  if (!Array.isArray(value) || value.length === 0) return value;
  const first: unknown = value[0];
  return typeof first === 'object' && first !== null ? Object.values(first).at(-1) : first;
}

/** DGT's sample check: a request, or a conversation with user turns matched by assistant turns. */
function sampleProblem(request: unknown, messages: unknown): string | undefined {
  if (!Array.isArray(messages) || messages.length === 0) return request ? undefined : 'the record has neither a request (`magpie_input`) nor a conversation (`magpie_mt_input`)';
  let users = 0;
  let assistants = 0;
  for (const turn of turnsOf(messages)) {
    const shown = JSON.stringify(turn.source)?.slice(0, 80);
    if (turn.role === undefined) return `an utterance has no \`from\`, \`role\` or \`speaker\` field: ${shown}`;
    if (turn.text === undefined) return `an utterance has no \`value\`, \`content\` or \`text\` field: ${shown}`;
    if (turn.role === 'user') users += turn.text.length > 0 ? 1 : 0;
    else if (isAssistant(turn.role)) assistants += turn.text.length > 0 ? 1 : 0;
    else if (!['system', 'developer', 'tool'].includes(turn.role)) return `an utterance has the unsupported role ${JSON.stringify(turn.role)}`;
  }
  if (users === 0) return 'the conversation has no user utterance';
  if (users > 1 && users !== assistants) return `the conversation has ${users} user and ${assistants} assistant utterances`;
  return undefined;
}

/** Whether a label is one of `allowed` (a number counts as its digits). */
const fits = (value: unknown, allowed: readonly string[]): boolean => (typeof value === 'string' || typeof value === 'number') && allowed.includes(String(value));
const shown = (value: unknown): string => (JSON.stringify(flatten(value)) ?? 'nothing').slice(0, 80);

const scored = [
  ['input_quality', qualityScale],
  ['difficulty', difficultyScale],
  ['judge_quality_score', scoreScale],
] as const;

/**
 * `magpie_filter`: keeps the records Magpie's tags (from `magpie_tag`, `magpie_distance`) qualify, as DGT does.
 * Always: the record has a request, or a conversation whose user turns are answered (`invalid_sample`). With
 * `invalid_scores` (or `all`): each tag present holds a label of its scale (`invalid_score`). With
 * `high_quality_filter` (or `all`): `input_quality`, `judge_quality_score` and `difficulty` are among
 * `filter_criteria` (`low_quality`), and with `remove_duplicates` a `min_similar_uuid` other than the record's `id`
 * drops it (`duplicate`). Tags hold one label, or DGT's `[{ <model>: <label> }, ...]` (the first model's counts).
 * It reads `question`, `answer`, `messages`, `id` and `tags` (else `magpie_tags`), as DGT's default input map does;
 * with an `input_map`: `magpie_input`, `magpie_output`, `magpie_mt_input`, `id`, `field`. Without an `id`, the
 * record's `rxdgt_id` stands in. The verdict's metadata is `{ reason }`.
 *
 * ## Example
 * ```yaml
 * - name: magpie_filter
 *   type: magpie_filter
 *   filter: true
 *   filter_type: all
 *   filter_criteria: { input_quality: [good, excellent], sample_quality: ['4', '5'] }
 *   input_map: { instruction: magpie_input, response: magpie_output, magpie_tags: field }
 * ```
 */
export const magpieFilterBlock: BlockDefinition<typeof fields> = {
  type: 'magpie_filter',
  summary: 'keeps the records whose Magpie tags are valid and meet the quality criteria',
  fields,
  inputs: { required: [], optional: ['magpie_input', 'magpie_output', 'magpie_mt_input', 'id', 'field', 'question', 'answer', 'messages', 'tags', 'magpie_tags'] },
  validator: true,
  create(config) {
    const types = config.filter_type;
    const checkScores = types.has('all') || types.has('invalid_scores');
    const checkQuality = types.has('all') || types.has('high_quality_filter');
    const wanted = {
      input_quality: config.filter_criteria?.input_quality ?? ['good', 'excellent'],
      judge_quality_score: config.filter_criteria?.sample_quality ?? ['5'],
      difficulty: config.filter_criteria?.difficulty ?? [...difficultyScale],
    };
    const mapped = config.input_map !== undefined;
    return {
      kind: 'validator',
      check(input: BlockFields, call): Verdict {
        const request = mapped ? input['magpie_input'] : input['question'];
        const problem = sampleProblem(request, mapped ? input['magpie_mt_input'] : input['messages']);
        if (problem !== undefined) return fail('invalid_sample', `block \`${config.name}\`: ${problem}`);
        const given = mapped ? input['field'] : (input['tags'] ?? input['magpie_tags']);
        const tags = typeof given === 'object' && given !== null ? (given as Readonly<Record<string, unknown>>) : {};
        for (const [key, scale] of checkScores ? scored : []) {
          if (key in tags && !fits(flatten(tags[key]), scale)) {
            return fail('invalid_score', `block \`${config.name}\`: the tag \`${key}\` holds ${shown(tags[key])}, not one of ${scale.join(', ')}`);
          }
        }
        if (!checkQuality) return { valid: true };
        for (const [key, allowed] of Object.entries(wanted)) {
          if (key in tags && !fits(flatten(tags[key]), allowed)) {
            return fail('low_quality', `block \`${config.name}\`: the tag \`${key}\` is ${shown(tags[key])}, not one of ${allowed.join(', ')}`);
          }
        }
        const nearest = tags['min_similar_uuid'];
        const id = input['id'] ?? call.id;
        if (config.remove_duplicates && nearest !== undefined && nearest !== null && nearest !== id) {
          return fail('duplicate', `block \`${config.name}\`: the record repeats record ${JSON.stringify(nearest)} (its min_similar_uuid)`);
        }
        return { valid: true };
      },
    };
  },
};
