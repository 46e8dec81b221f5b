import { describe, expect, it } from 'vitest';
import { toolCallingSingleTurn } from '../../lib/formatters/tool-calling-single-turn.ts';
import type { DataPoint } from '../../lib/record.ts';

const orderTool = { name: 'get_order', namespace: 'shop', description: 'An order.', parameters: { type: 'object' }, output_parameters: { type: 'object' } };

function conversation(steps: unknown): DataPoint {
  return { task_name: 'tools', is_seed: false, rxdgt_id: '6-f0', conversation_id: 'c-6', steps };
}

describe('tool_calling/formatters/single_turn', () => {
  it('pairs the n-th tc/user turn with the n-th tc/plan; tools keep name and parameters only', () => {
    const record = conversation([
      { role: 'tc/sampler', tools: [orderTool] },
      { role: 'tc/plan', plan: [{ name: 'get_order', namespace: 'shop', arguments: { id: '#1' }, call_id: '$1' }, { name: 'get_order', namespace: 'shop', arguments: { id: '$1.next' }, id: '$2' }] },
      { role: 'tc/user', content: 'Order #1 and the next one?' },
      { role: 'tool_call', content: { name: 'get_order', arguments: { id: '#1' } } },
      { role: 'assistant', content: 'Both shipped.' },
      { role: 'tc/plan', plan: null },
      { role: 'tc/user', content: 'Thanks!' },
      { role: 'tc/plan', plan: [{ name: 'noop', namespace: 'shop' }] },
      { role: 'tc/user', content: 'Anything else?' },
    ]);
    expect(toolCallingSingleTurn(record)).toEqual({
      messages: [
        { role: 'user', content: 'Order #1 and the next one?' },
        { role: 'assistant', content: [{ name: 'get_order', arguments: { id: '#1' }, id: '$1' }, { name: 'get_order', arguments: { id: '$1.next' }, id: '$2' }] },
        { role: 'user', content: 'Thanks!' },
        { role: 'assistant', content: [] },
        { role: 'user', content: 'Anything else?' },
        { role: 'assistant', content: [{ name: 'noop', arguments: {} }] },
      ],
      tools: [{ name: 'get_order', parameters: { type: 'object' } }],
    });
  });

  it('a tool without parameters gets {}', () => {
    expect(toolCallingSingleTurn(conversation([{ role: 'tc/sampler', tools: [{ name: 'ping' }] }]))).toEqual({ messages: [], tools: [{ name: 'ping', parameters: {} }] });
  });

  it('unequal tc/user and tc/plan counts, a nameless planned call or no tools: an error naming formatter, field and record', () => {
    const name = 'formatter `tool_calling/formatters/single_turn`: record `6-f0`';
    expect(() => toolCallingSingleTurn(conversation([{ role: 'tc/sampler', tools: [] }, { role: 'tc/user', content: 'Hi' }]))).toThrow(
      `${name} has 1 \`tc/user\` steps but 0 \`tc/plan\` steps in \`steps\`; each user turn needs its plan`,
    );
    expect(() => toolCallingSingleTurn(conversation([{ role: 'tc/sampler', tools: [] }, { role: 'tc/plan', plan: [{ arguments: {} }] }]))).toThrow(
      `${name} has no field \`steps.1.plan.0.name\``,
    );
    expect(() => toolCallingSingleTurn(conversation([{ role: 'tc/sampler', tools: [] }, { role: 'tc/plan', plan: 'get_order' }]))).toThrow(
      `${name} has a field \`steps.1.plan\` that is not a list`,
    );
    expect(() => toolCallingSingleTurn(conversation([{ role: 'tc/sampler', tools: 'all' }]))).toThrow(`${name} has a field \`steps.0.tools\` that is not a list`);
  });
});
