import type { DataPoint, Fields } from '../record.ts';
import { type RecordFormatter, get, isObject, recordProblem, shuffled, stepsOf } from './formatter-internals.ts';
import { toolsOf } from './tool-calling-internals.ts';

const name = 'tool_calling/formatters/single_turn';

/**
 * DGT's `tool_calling/formatters/single_turn`: a conversation of DGT's multi-turn tool-calling builder as planning
 * examples, `{ messages, tools }`. `messages` pairs the n-th `tc/user` step, `{ role: 'user', content }`, with the
 * n-th `tc/plan` step, `{ role: 'assistant', content: [calls] }`, each planned call as `{ name, arguments }` plus
 * `id` when it has one (its `id`, else its `call_id`). `tools` are the first `tc/sampler` step's, `name` and
 * `parameters` only, shuffled in an order drawn from the record's `rxdgt_id`. Every other step is left out.
 *
 * ## Example
 * ```ts
 * toolCallingSingleTurn({ task_name: 't', is_seed: false, rxdgt_id: '0-a1', steps: [
 *   { role: 'tc/sampler', tools: [{ name: 'weather', namespace: 'demo', description: 'Forecast.', parameters: {} }] },
 *   { role: 'tc/plan', plan: [{ name: 'weather', namespace: 'demo', arguments: { city: 'Rome' }, call_id: '$1' }] },
 *   { role: 'tc/user', content: 'Weather in Rome?' },
 * ] });
 * // { messages: [
 * //     { role: 'user', content: 'Weather in Rome?' },
 * //     { role: 'assistant', content: [{ name: 'weather', arguments: { city: 'Rome' }, id: '$1' }] }],
 * //   tools: [{ name: 'weather', parameters: {} }] }
 * ```
 *
 * @throws {ConfigError} naming the formatter, the field and the record's `rxdgt_id`: no `steps`, no `tc/sampler`
 *   step or tools (see `toolsOf`), a planned call without `name`, or not as many `tc/plan` steps as `tc/user` steps
 */
export const toolCallingSingleTurn: RecordFormatter = (record) => {
  const steps = stepsOf(name, record);
  const tools = shuffled(toolsOf(name, record, steps, true), record);
  const users = steps.filter(({ step }) => step['role'] === 'tc/user').map(({ step }): Fields => ({ role: 'user', content: get(step, 'content') }));
  const plans = steps
    .filter(({ step }) => step['role'] === 'tc/plan')
    .map(({ step, index }): Fields => {
      const plan = get(step, 'plan') ?? [];
      if (!Array.isArray(plan)) throw recordProblem(name, record, `has a field \`steps.${index}.plan\` that is not a list`);
      return { role: 'assistant', content: plan.map((call: unknown, position) => plannedCall(record, call, `steps.${index}.plan.${position}`)) };
    });
  if (users.length !== plans.length) {
    throw recordProblem(name, record, `has ${users.length} \`tc/user\` steps but ${plans.length} \`tc/plan\` steps in \`steps\`; each user turn needs its plan`);
  }
  return { messages: users.flatMap((user, index) => [user, plans[index]!]), tools };
};

/** A planned call as DGT's `ToolCall.to_dict()` writes it: `name`, `arguments` (`{}`), and `id` when set. */
function plannedCall(record: DataPoint, call: unknown, field: string): Fields {
  if (!isObject(call)) throw recordProblem(name, record, `has a field \`${field}\` that is not an object`);
  if (call['name'] === undefined) throw recordProblem(name, record, `has no field \`${field}.name\``);
  const id = get(call, 'id', get(call, 'call_id'));
  return { name: call['name'], arguments: get(call, 'arguments', {}), ...(id === null || id === undefined ? {} : { id }) };
}
