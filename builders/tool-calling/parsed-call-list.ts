import type { Choice } from './ask-choices.ts';
import { extractFirstToolCall, parseLooseJson, taggedText } from './tool-call-text.ts';

/**
 * The list of tool calls an answer holds, as DGT's planner and verifier read it: the text between `<tool_calls>`
 * tags (the whole text without them), its first JSON list (or object), parsed as JSON or a Python literal; with
 * `repairTrailingBrace` (the verifier) a list cut after a last `{` is closed first. An answer without such text
 * that made structured tool calls gives those, `{ name, arguments, id }`, ids `$1`, `$2`, ... unless the model's
 * ids already start with `$`. Gives the reason when there is no non-empty list.
 *
 * ## Example
 * ```ts
 * parsedCallList({ text: '<tool_calls>[{"name": "f", "arguments": {"x": 1}, "id": "$1"}]</tool_calls>', toolCalls: [], score: 0 });
 * // [{ name: 'f', arguments: { x: 1 }, id: '$1' }]
 * parsedCallList({ text: 'I would call f.', toolCalls: [], score: 0 }); // 'the answer holds no JSON list of tool calls'
 * ```
 */
export function parsedCallList(choice: Choice, options: { readonly repairTrailingBrace?: boolean } = {}): unknown[] | string {
  let text = taggedText(choice.text, 'tool_calls');
  if (options.repairTrailingBrace && text.endsWith('{')) {
    text = text.slice(0, -1).trim();
    if (text.endsWith(',')) text = text.slice(0, -1);
    text += '\n]';
  }
  const extracted = extractFirstToolCall(text);
  if (extracted === undefined && choice.toolCalls.length > 0) {
    return choice.toolCalls.map((call, index) => ({ name: call.name, arguments: call.arguments, id: call.id.startsWith('$') ? call.id : `$${index + 1}` }));
  }
  if (extracted === undefined) return 'the answer holds no JSON list of tool calls';
  const parsed = parseLooseJson(extracted);
  if (parsed === undefined) return 'the tool-call list of the answer is neither JSON nor a Python literal';
  if (!Array.isArray(parsed) || parsed.length === 0) return 'the answer holds no non-empty list of tool calls';
  return parsed;
}
