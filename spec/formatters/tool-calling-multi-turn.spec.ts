import { describe, expect, it } from 'vitest';
import { toolCallingMultiTurn } from '../../lib/formatters/tool-calling-multi-turn.ts';
import type { DataPoint } from '../../lib/record.ts';

const orderTool = {
  name: 'get_order_details',
  namespace: 'shop',
  description: 'Get the status and details of an order.',
  parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] },
};
const refundTool = { name: 'refund', output_parameters: { type: 'object' }, metadata: { version: 2 } };

/** A conversation as DGT's multi-turn tool-calling builder writes it. */
function conversation(id: string, steps: unknown): DataPoint {
  return { task_name: 'tools', is_seed: false, rxdgt_id: id, conversation_id: 'c-3', steps };
}

const steps = [
  { role: 'persona', content: 'A competitive shooter.', persona_role: 'A competitive shooter' },
  { role: 'tc/sampler', tools: [orderTool], date: '2026-01-01' },
  { role: 'tc/plan', plan: [{ name: 'get_order_details', namespace: 'shop', arguments: { order_id: '#W1' }, call_id: '$1' }] },
  { role: 'user', content: 'a plain user step: not a tool-calling turn' },
  { role: 'tc/user', content: 'Where is order #W1?', required_terms: ['#W1'], hidden_set: [] },
  { role: 'tool_call', content: { name: 'get_order_details', arguments: { order_id: '#W1' }, id: '$1' } },
  { role: 'tool_result', content: { id: '$1', name: 'get_order_details', result: { status: 'shipped' } } },
  { role: 'tool_result', content: 'plain text result' },
  { role: 'assistant', content: 'Order #W1 has shipped.' },
];

describe('tool_calling/formatters/multi_turn', () => {
  it('gives the tc/user, assistant, tool_call and tool_result turns and the sampled tools as Tool.to_dict writes them', () => {
    expect(toolCallingMultiTurn(conversation('1-aa', steps))).toEqual({
      messages: [
        { role: 'user', content: 'Where is order #W1?' },
        { role: 'assistant', content: { name: 'get_order_details', arguments: { order_id: '#W1' }, id: '$1' } },
        { role: 'tool', content: { status: 'shipped' } },
        { role: 'tool', content: 'plain text result' },
        { role: 'assistant', content: 'Order #W1 has shipped.' },
      ],
      tools: [{ name: 'get_order_details', namespace: 'shop', description: 'Get the status and details of an order.', parameters: orderTool.parameters }],
    });
  });

  it('fills a tool\'s defaults (namespace `default`, empty description and parameters), keeps output_parameters and metadata when set', () => {
    const [tool] = toolCallingMultiTurn(conversation('1-aa', [{ role: 'tc/sampler', tools: [refundTool] }]))['tools'] as unknown[];
    expect(tool).toEqual({ name: 'refund', namespace: 'default', description: '', parameters: {}, output_parameters: { type: 'object' }, metadata: { version: 2 } });
    expect(Object.keys(tool as object)).toEqual(['name', 'namespace', 'description', 'parameters', 'output_parameters', 'metadata']);
  });

  it('shuffles the tools in an order drawn from the record\'s rxdgt_id: the same on every call', () => {
    const tools = Array.from({ length: 8 }, (_, index) => ({ name: `tool_${index}`, namespace: 'n' }));
    const orderOf = (id: string) => (toolCallingMultiTurn(conversation(id, [{ role: 'tc/sampler', tools }]))['tools'] as { name: string }[]).map((tool) => tool.name);
    expect(orderOf('7-ab')).toEqual(orderOf('7-ab'));
    expect([...orderOf('7-ab')].sort()).toEqual(tools.map((tool) => tool.name));
    const orders = new Set(['0-a', '1-b', '2-c', '3-d', '4-e'].map((id) => orderOf(id).join()));
    expect(orders.size).toBeGreaterThan(1);
  });

  it('a conversation without a tc/sampler step, tools or a result: an error naming formatter, field and record', () => {
    const name = 'formatter `tool_calling/formatters/multi_turn`: record `1-aa`';
    expect(() => toolCallingMultiTurn(conversation('1-aa', [{ role: 'tc/user', content: 'Hi' }]))).toThrow(`${name} has no step with role \`tc/sampler\` (the tools) in \`steps\``);
    expect(() => toolCallingMultiTurn(conversation('1-aa', [{ role: 'user' }, { role: 'tc/sampler' }]))).toThrow(`${name} has no field \`steps.1.tools\``);
    expect(() => toolCallingMultiTurn(conversation('1-aa', [{ role: 'tc/sampler', tools: [{ namespace: 'n' }] }]))).toThrow(`${name} has no field \`steps.0.tools.0.name\``);
    expect(() => toolCallingMultiTurn(conversation('1-aa', [{ role: 'tc/sampler', tools: [] }, { role: 'tool_result', content: { id: '$1' } }]))).toThrow(
      `${name} has no field \`steps.1.content.result\``,
    );
    expect(() => toolCallingMultiTurn({ task_name: 'tools', is_seed: false, rxdgt_id: '1-aa' })).toThrow(`${name} has no field \`steps\``);
  });
});
