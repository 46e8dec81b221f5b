import { z } from 'zod';
import type { BlockDefinition, BlockFields } from '../block-definition.ts';
import { type ToolCallRules, checkToolCalls } from './tool-call-checks.ts';
import type { JsonObject } from './tool-call-grounding.ts';

const toolsSchema = z.array(z.record(z.string(), z.unknown()));
const ruleFields = {
  /** Reject argument values the question does not mention. @default true */
  check_arg_question_overlap: z.boolean().default(true),
  /** Require a call that uses an earlier call's output (implies `allow_nested`). @default false */
  require_nested: z.boolean().default(false),
  /** Accept calls that use an earlier call's output (`<id>.<output parameter>`). @default false */
  allow_nested: z.boolean().default(false),
  /** Require at least two different calls. @default false */
  multi_output: z.boolean().default(false),
  /** Reject questions that name a tool or hold a call as JSON. @default true */
  validate_question: z.boolean().default(true),
  /** Parameter types exempt from the grounding check; `date` also exempts date-like values. @default ['boolean'] */
  ignore_types: z.array(z.string()).default(['boolean']),
};
const fields = {
  /** The tool catalogue (OpenAI function specs: `name`, `parameters`, optional `output_parameters`), for records without `tools`. */
  tools: toolsSchema.optional(),
  ...ruleFields,
};
const ruleNames = Object.keys(ruleFields) as (keyof typeof ruleFields)[];

/**
 * DGT's `tool_call_validator`: checks the tool calls a model wrote for a question against a tool catalogue (see
 * {@link checkToolCalls} for every check, in order). It reads `answer` (the calls: a JSON or Python-literal list of
 * `{ name, arguments, id? }`, or that list itself), `tools` (else the block's `tools`), `question` (default empty)
 * and, per record, any of the rule fields, which override the block's. An invalid record's `metadata` holds
 * `reason` and, where they apply, `tool_call`, `argument_name` and `argument_value`.
 *
 * ## Example
 * ```yaml
 * - name: check_calls
 *   type: tool_call_validator
 *   filter: true
 *   allow_nested: true
 *   input_map: { utterance: question, calls: answer, api_specs: tools }
 * ```
 */
export const toolCallValidatorBlock: BlockDefinition<typeof fields> = {
  type: 'tool_call_validator',
  summary: 'checks model-written tool calls against a tool catalogue and the question',
  fields,
  inputs: { required: ['answer'], optional: ['tools', 'question', ...ruleNames] },
  validator: true,
  create: (config) => ({
    kind: 'validator',
    check: (input) => checkToolCalls(input.answer, rulesOf(input, config)),
  }),
};

type RuleConfig = z.output<z.ZodObject<typeof fields>>;

const expected: Readonly<Record<string, string>> = { tools: 'a list of tool objects', question: 'a text', ignore_types: 'a list of type names' };

function rulesOf(input: BlockFields, config: RuleConfig): ToolCallRules {
  const read = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => {
    if (input[name] === undefined) return fallback;
    const parsed = schema.safeParse(input[name]);
    if (!parsed.success) throw new TypeError(`\`${name}\` of the record is not ${expected[name] ?? 'true or false'}`);
    return parsed.data;
  };
  const tools = read<readonly JsonObject[] | undefined>('tools', toolsSchema, config.tools);
  if (tools === undefined) throw new Error('no tool catalogue: the record has no `tools` and the block sets none');
  return {
    tools,
    question: read('question', z.string().nullable(), '') ?? '',
    checkArgQuestionOverlap: read('check_arg_question_overlap', z.boolean(), config.check_arg_question_overlap),
    requireNested: read('require_nested', z.boolean(), config.require_nested),
    allowNested: read('allow_nested', z.boolean(), config.allow_nested),
    multiOutput: read('multi_output', z.boolean(), config.multi_output),
    validateQuestion: read('validate_question', z.boolean(), config.validate_question),
    ignoreTypes: read('ignore_types', z.array(z.string()).nullable(), config.ignore_types) ?? ['boolean'],
  };
}
