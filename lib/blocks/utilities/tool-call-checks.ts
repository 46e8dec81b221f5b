import type { Fields } from '../../record.ts';
import type { Verdict } from '../block-definition.ts';
import { isDateLike } from './date-like.ts';
import { describeValue, showValue } from './describe-value.ts';
import { parsePythonLiteral } from './python-literal.ts';
import { type JsonObject, isGrounded, isObject, mentionsIndirectly, normalizeText, pythonText, refersTo } from './tool-call-grounding.ts';
import { checkArguments } from './tool-call-schema.ts';

/** What a tool-call check runs against: DGT's `TCValidatorData` fields besides `answer`. */
export interface ToolCallRules {
  readonly tools: readonly JsonObject[];
  readonly question: string;
  readonly checkArgQuestionOverlap: boolean;
  readonly requireNested: boolean;
  readonly allowNested: boolean;
  readonly multiOutput: boolean;
  readonly validateQuestion: boolean;
  readonly ignoreTypes: readonly string[];
}

const fail = (code: string, reason: string, details: Fields = {}): Verdict => ({ valid: false, code, reason, metadata: { reason, ...details } });

/**
 * Checks a model's tool calls (`[{ name, arguments, id? }]`, as JSON or a Python literal) in DGT's order, and
 * reports the first problem: unparsable or not a list of objects; repeated calls or ids; a question that names
 * a tool or holds a call as JSON (`validateQuestion`); fewer than two calls (`multiOutput`); unknown tools; keys
 * besides `name`/`arguments`/`id`; no `arguments`; arguments that break the tool's `parameters` schema (with
 * nesting allowed, a value starting with a call id passes); arguments that are not an object; unknown parameters;
 * references to this or a later call's output; values not grounded in the question (unless nested, of a type in
 * `ignoreTypes`, or a date with `date` there); other calls' outputs mentioned inside a value; and nesting that
 * is present but not allowed, or required but absent.
 *
 * ## Example
 * ```ts
 * const tools = [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }];
 * const rules = { tools, question: 'Weather in Paris?', checkArgQuestionOverlap: true, requireNested: false,
 *   allowNested: false, multiOutput: false, validateQuestion: true, ignoreTypes: ['boolean'] };
 * checkToolCalls('[{"name": "get_weather", "arguments": {"city": "Paris"}}]', rules); // { valid: true }
 * checkToolCalls('[{"name": "get_weather", "arguments": {"city": "Rome"}}]', rules).code; // 'argument_not_grounded'
 * ```
 */
export function checkToolCalls(answer: unknown, rules: ToolCallRules): Verdict {
  const calls = parseAnswer(answer);
  if (calls === undefined || calls === null) return fail('tool_calls_unparsable', '`answer` is neither JSON nor a Python literal, so it holds no tool calls');
  if (!Array.isArray(calls)) return fail('tool_calls_malformed', `\`answer\` holds ${describeValue(calls)}, expected a list of tool calls`);
  const stray = calls.findIndex((call) => !isObject(call));
  if (stray >= 0) return fail('tool_calls_malformed', `item ${stray + 1} of \`answer\` is ${describeValue(calls[stray])}, expected a tool call object`);
  const list = calls as readonly JsonObject[];
  const repeated = firstRepeat(list.map((call) => JSON.stringify(call)));
  if (repeated) return fail('tool_calls_duplicated', `tool call ${repeated[1] + 1} repeats tool call ${repeated[0] + 1} exactly`);
  const ids = list.filter((call) => truthy(call.id)).map((call) => pythonText(call.id));
  const sharedId = firstRepeat(ids);
  if (sharedId) return fail('tool_calls_duplicated', `two tool calls share the id \`${ids[sharedId[0]]}\``);
  const available = [...new Set(rules.tools.map((tool) => pythonText(tool.name)))];
  const leak = rules.validateQuestion ? questionLeak(rules.question, available) : undefined;
  if (leak) return fail('question_leaks_tools', leak);
  if (rules.multiOutput && list.length <= 1) {
    return fail('tool_calls_too_few', `\`multi_output\` asks for several different tool calls, but \`answer\` holds ${list.length === 0 ? 'none' : 'one'}`);
  }
  const unknown = list.findIndex((call) => !available.includes(pythonText(call.name)));
  if (unknown >= 0) {
    const call = list[unknown]!;
    if (!Object.hasOwn(call, 'name')) return fail('tool_call_incomplete', `tool call ${unknown + 1} has no \`name\``, { tool_call: call });
    const catalogue = available.length === 0 ? 'the catalogue is empty' : `the catalogue has ${available.map((name) => `\`${name}\``).join(', ')}`;
    return fail('tool_unknown', `tool call ${unknown + 1} names the tool \`${pythonText(call.name)}\`, which is not in the catalogue (${catalogue})`, { tool_call: call });
  }
  const allowNested = rules.requireNested || rules.allowNested;
  let nestedAt: number | undefined;
  for (const index of list.keys()) {
    const problem = checkCall(list, index, rules, ids, allowNested);
    if (typeof problem === 'object') return problem;
    if (problem && nestedAt === undefined) nestedAt = index;
  }
  if (nestedAt !== undefined && !allowNested) {
    return fail('nested_calls_not_allowed', `tool call ${nestedAt + 1} uses the output of an earlier call, but neither \`allow_nested\` nor \`require_nested\` is on`);
  }
  if (nestedAt === undefined && rules.requireNested) return fail('nested_calls_required', '`require_nested` asks for a tool call that uses the output of an earlier one, and none does');
  return { valid: true };
}

/** One call's checks: its failure, or whether it uses an earlier call's output. */
function checkCall(list: readonly JsonObject[], index: number, rules: ToolCallRules, ids: readonly string[], allowNested: boolean): Verdict | boolean {
  const call = list[index]!;
  const name = pythonText(call.name);
  const label = `tool call ${index + 1} (\`${name}\`)`;
  const extra = Object.keys(call).filter((key) => key !== 'name' && key !== 'arguments' && key !== 'id');
  if (extra.length > 0) return fail('tool_call_extra_keys', `${label} has ${extra.map((key) => `\`${key}\``).join(', ')} besides \`name\`, \`arguments\` and \`id\``, { tool_call: call });
  if (!Object.hasOwn(call, 'arguments')) return fail('tool_call_incomplete', `${label} has no \`arguments\``, { tool_call: call });
  const tool = rules.tools.find((candidate) => pythonText(candidate.name) === name)!;
  const parameters = Object.hasOwn(tool, 'parameters') ? tool.parameters : {};
  const check = checkArguments(call.arguments, parameters);
  if (check.kind === 'bad-schema') return fail('tool_schema_invalid', `the \`parameters\` of tool \`${name}\` are not a valid JSON schema (${check.message}), so ${label} cannot be checked`, { tool_call: call });
  // With nesting allowed, a value naming a call's output (`$1.temperature`) stands for a value of the right type.
  const problems = check.problems.filter((found) => !(allowNested && typeof found.value === 'string' && ids.some((id) => (found.value as string).startsWith(id))));
  const first = problems[0];
  if (first) {
    const where = first.path === '' ? 'the arguments' : `\`${first.path}\``;
    return fail('arguments_invalid', `the arguments of ${label} break the tool's parameter schema: ${where} ${first.message}`, { tool_call: call });
  }
  if (!isObject(call.arguments)) return fail('arguments_malformed', `the \`arguments\` of ${label} are ${describeValue(call.arguments)}, expected an object`, { tool_call: call });
  const properties = isObject(parameters) && isObject(parameters.properties) ? parameters.properties : {};
  let nested = false;
  for (const [argument, value] of Object.entries(call.arguments)) {
    const details = { tool_call: call, argument_name: argument, argument_value: value };
    if (!Object.hasOwn(properties, argument)) return fail('argument_unknown', `${label} passes \`${argument}\`, which tool \`${name}\` does not take`, details);
    if (refersTo(value, list.slice(index), rules.tools)) {
      return fail('reference_to_later_call', `argument \`${argument}\` of ${label} refers to the output of this or a later call: ${showValue(value)}`, details);
    }
    const reference = refersTo(value, list.slice(0, index), rules.tools);
    nested ||= reference;
    const skipped = reference || ignoredType(properties[argument], rules.ignoreTypes) || (rules.ignoreTypes.includes('date') && isDateLike(value));
    if (rules.checkArgQuestionOverlap && !skipped && !isGrounded(value, rules.question)) {
      return fail('argument_not_grounded', `argument \`${argument}\` of ${label} is ${showValue(value)}, which the question does not mention`, details);
    }
    if (!reference && mentionsIndirectly(value, list, rules.tools)) {
      return fail('reference_indirect', `argument \`${argument}\` of ${label} mentions a call's output inside ${showValue(value)} instead of being a reference to it`, details);
    }
  }
  return nested;
}

function parseAnswer(answer: unknown): unknown {
  if (typeof answer !== 'string') return answer;
  try {
    return JSON.parse(answer) as unknown;
  } catch {
    const python = answer.replaceAll(': true', ': True').replaceAll(': false', ': False').replaceAll(': null', ': None');
    const literal = parsePythonLiteral(python);
    return literal.success ? literal.value : undefined;
  }
}

/** The positions of the first value seen twice: `[first, second]`. */
function firstRepeat(values: readonly string[]): readonly [number, number] | undefined {
  const seen = new Map<string, number>();
  for (const [index, value] of values.entries()) {
    const earlier = seen.get(value);
    if (earlier !== undefined) return [earlier, index];
    seen.set(value, index);
  }
  return undefined;
}

/** Why the question gives the tools away: it names one as a word, or holds a call written as JSON. */
function questionLeak(question: string, names: readonly string[]): string | undefined {
  const words = question.split(/\s+/).filter(Boolean).map(normalizeText);
  for (const name of names) {
    if (words.includes(normalizeText(name))) return `the question names the tool \`${name}\``;
    if (question.includes('{') && (question.includes('name": ') || question.includes(`${name}": `))) return 'the question holds a tool call written as JSON';
  }
  return undefined;
}

function ignoredType(property: unknown, ignoreTypes: readonly string[]): boolean {
  const type = isObject(property) ? property.type : undefined;
  return typeof type === 'string' && ignoreTypes.includes(type);
}

/** Python's truthiness of a JSON value. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (isObject(value)) return Object.keys(value).length > 0;
  return Boolean(value);
}
