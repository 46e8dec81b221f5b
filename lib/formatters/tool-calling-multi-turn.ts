import type { Fields } from '../record.ts';
import { type RecordFormatter, get, isObject, recordProblem, shuffled, stepsOf } from './formatter-internals.ts';
import { toolsOf } from './tool-calling-internals.ts';

const name = 'tool_calling/formatters/multi_turn';

/**
 * DGT's `tool_calling/formatters/multi_turn`: a conversation of DGT's multi-turn tool-calling builder as
 * `{ messages, tools }`. `messages` holds, in order, each `tc/user` step as `{ role: 'user', content }`, each
 * `assistant` and `tool_call` step as `{ role: 'assistant', content }` (a call's content as it is, an object), and
 * each `tool_result` step as `{ role: 'tool', content }`, `content` being the result's `result` when the content is
 * an object. `tools` are those of the first `tc/sampler` step (see `toolsOf`), shuffled against position bias in an
 * order drawn from the record's `rxdgt_id`, so a rerun gives the same file.
 *
 * ## Example
 * ```ts
 * toolCallingMultiTurn({ task_name: 't', is_seed: false, rxdgt_id: '0-a1', steps: [
 *   { role: 'tc/sampler', tools: [{ name: 'weather', namespace: 'demo', parameters: {} }] },
 *   { role: 'tc/user', content: 'Weather in Rome?' },
 *   { role: 'tool_call', content: { name: 'weather', arguments: { city: 'Rome' }, id: '$1' } },
 *   { role: 'tool_result', content: { id: '$1', name: 'weather', result: { celsius: 21 } } },
 *   { role: 'assistant', content: 'It is 21 °C.' },
 * ] });
 * // { messages: [
 * //     { role: 'user', content: 'Weather in Rome?' },
 * //     { role: 'assistant', content: { name: 'weather', arguments: { city: 'Rome' }, id: '$1' } },
 * //     { role: 'tool', content: { celsius: 21 } },
 * //     { role: 'assistant', content: 'It is 21 °C.' }],
 * //   tools: [{ name: 'weather', namespace: 'demo', description: '', parameters: {} }] }
 * ```
 *
 * @throws {ConfigError} naming the formatter, the field and the record's `rxdgt_id`: no `steps`, no `tc/sampler`
 *   step or tools (see `toolsOf`), or a `tool_result` whose content object has no `result`
 */
export const toolCallingMultiTurn: RecordFormatter = (record) => {
  const steps = stepsOf(name, record);
  const tools = shuffled(toolsOf(name, record, steps, false), record);
  const messages = steps.flatMap(({ step, index }): Fields[] => {
    const content = get(step, 'content');
    if (step['role'] === 'tc/user') return [{ role: 'user', content }];
    if (step['role'] === 'assistant' || step['role'] === 'tool_call') return [{ role: 'assistant', content }];
    if (step['role'] !== 'tool_result') return [];
    if (!isObject(content)) return [{ role: 'tool', content }];
    if (content['result'] === undefined) throw recordProblem(name, record, `has no field \`steps.${index}.content.result\``);
    return [{ role: 'tool', content: content['result'] }];
  });
  return { messages, tools };
};
