import type { Fields } from '../record.ts';
import { type JsonObject, type RecordFormatter, contentObject, get, isObject, requireField, stepsOf, userRoles } from './formatter-internals.ts';
import { pythonJson } from './python-json.ts';

const name = 'formatters/conversation/messages';

/**
 * DGT's `formatters/conversation/messages`: a conversation record (DGT's `ConversationDataPoint`: `conversation_id`
 * and `steps`, each step a `role` and its `content`) as an OpenAI-style SFT example,
 * `{ conversation_id, messages }`. Steps become messages in order:
 *
 * - `user` and `tc/user`: `{ role: 'user', content }`; `assistant`: `{ role: 'assistant', content }`
 * - `tool_call` (content `{ name, arguments, call_id }`): `{ role: 'assistant', tool_calls: [{ id, type: 'function',
 *   function: { name, arguments } }] }`, `arguments` as a JSON string (Python's `json.dumps`) when it is an object
 * - `tool_result` (content `{ result, call_id }`): `{ role: 'tool', tool_call_id, content }`, `content` the result
 *   when it is a string, else the result as JSON
 * - any other step (scenario, persona, flow controller, ...) is left out
 *
 * A call's id is its `call_id`, else (as DGT's tool engines key it) its `id`, else `null`.
 *
 * ## Example
 * ```ts
 * conversationMessages({ task_name: 't', is_seed: false, conversation_id: 'c1', steps: [
 *   { role: 'persona', content: 'A tourist.' },
 *   { role: 'user', content: 'Weather in Rome?' },
 *   { role: 'tool_call', content: { name: 'weather', arguments: { city: 'Rome' }, call_id: '$1' } },
 *   { role: 'tool_result', content: { call_id: '$1', result: { celsius: 21 } } },
 *   { role: 'assistant', content: 'It is 21 °C.' },
 * ] });
 * // { conversation_id: 'c1', messages: [
 * //   { role: 'user', content: 'Weather in Rome?' },
 * //   { role: 'assistant', tool_calls: [{ id: '$1', type: 'function', function: { name: 'weather', arguments: '{"city": "Rome"}' } }] },
 * //   { role: 'tool', tool_call_id: '$1', content: '{"celsius": 21}' },
 * //   { role: 'assistant', content: 'It is 21 °C.' },
 * // ] }
 * ```
 *
 * @throws {ConfigError} naming the formatter, the field and the record's `rxdgt_id`, for a record without
 *   `conversation_id` or `steps`, or with a tool step whose `content` is not an object
 */
export const conversationMessages: RecordFormatter = (record) => {
  const conversationId = requireField(name, record, 'conversation_id');
  const messages = stepsOf(name, record).flatMap((indexed): Fields[] => {
    const { role } = indexed.step;
    if (userRoles.has(role)) return [{ role: 'user', content: get(indexed.step, 'content') }];
    if (role === 'assistant') return [{ role: 'assistant', content: get(indexed.step, 'content') }];
    if (role === 'tool_call') {
      const call = contentObject(name, record, indexed);
      const callArguments = get(call, 'arguments', {});
      const invoked = { name: get(call, 'name'), arguments: isObject(callArguments) ? pythonJson(callArguments) : callArguments };
      return [{ role: 'assistant', tool_calls: [{ id: callId(call), type: 'function', function: invoked }] }];
    }
    if (role === 'tool_result') {
      const outcome = contentObject(name, record, indexed);
      const result = get(outcome, 'result');
      return [{ role: 'tool', tool_call_id: callId(outcome), content: typeof result === 'string' ? result : pythonJson(result) }];
    }
    return [];
  });
  return { conversation_id: conversationId, messages };
};

/** A call's id: its `call_id`, else its `id` (DGT's tool engines key it so), else `null`. */
function callId(content: JsonObject): unknown {
  return get(content, 'call_id', get(content, 'id'));
}
