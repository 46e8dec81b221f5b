import { checkToolCalls } from '../../lib/blocks/utilities/tool-call-checks.ts';
import { type JsonObject, isObject } from '../../lib/blocks/utilities/tool-call-grounding.ts';

/** How {@link validateToolCalls} checks: DGT's `validate_tool_calls` arguments. */
export interface ToolCallValidation {
  /** The user text the argument values come from; null skips the question checks. */
  readonly history: string | null;
  readonly allowNested: boolean;
  readonly requireNested?: boolean;
  /** Reject argument values the history does not mention. @default false (every stage of this builder turns it off) */
  readonly checkOverlap?: boolean;
}

/**
 * DGT's `validate_tool_calls` of this builder: every call an object with a `name` and non-empty `arguments`, ids
 * (when present) texts starting with `$`, then DGT's `tool_call_validator` over `name`, `arguments` and `id`
 * (booleans and dates exempt from grounding). Gives undefined when valid, else why not.
 *
 * ## Example
 * ```ts
 * validateToolCalls([{ name: 'get_weather', arguments: { city: 'Oslo' }, id: '$1' }], tools, { history: null, allowNested: false }); // undefined
 * validateToolCalls([{ name: 'nope', arguments: { x: 1 } }], tools, { history: null, allowNested: false }); // 'tool call 1 names the tool `nope`, ...'
 * ```
 */
export function validateToolCalls(calls: readonly unknown[], tools: readonly JsonObject[], options: ToolCallValidation): string | undefined {
  if (calls.length === 0) return 'there are no tool calls';
  for (const [index, call] of calls.entries()) {
    if (!isObject(call) || !call['name']) return `tool call ${index + 1} has no \`name\``;
    if (!isObject(call['arguments']) || Object.keys(call['arguments']).length === 0) return `tool call ${index + 1} has no arguments`;
    if ('id' in call && !(typeof call['id'] === 'string' && call['id'].startsWith('$'))) return `tool call ${index + 1} has an id that does not start with \`$\``;
  }
  const answer = (calls as JsonObject[]).map((call) => Object.fromEntries(Object.entries(call).filter(([key]) => key === 'name' || key === 'arguments' || key === 'id')));
  const verdict = checkToolCalls(JSON.stringify(answer), {
    tools,
    question: options.history ?? '',
    checkArgQuestionOverlap: options.checkOverlap ?? false,
    requireNested: options.requireNested ?? false,
    allowNested: options.allowNested,
    multiOutput: false,
    validateQuestion: options.history !== null,
    ignoreTypes: ['boolean', 'date'],
  });
  return verdict.valid ? undefined : verdict.reason;
}
