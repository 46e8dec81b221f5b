import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { conversationMessages } from '../../lib/formatters/conversation-messages.ts';
import type { DataPoint } from '../../lib/record.ts';

/** A conversation record as DGT's conversation builders write it. */
function conversation(steps: unknown, extra: Record<string, unknown> = {}): DataPoint {
  return { task_name: 'chat', is_seed: false, rxdgt_id: '4-9f2c', conversation_id: 'c-1', steps, branch_point: null, ...extra };
}

describe('formatters/conversation/messages', () => {
  it('keeps the user and assistant turns, in order, and drops the pipeline steps', () => {
    const record = conversation([
      { role: 'scenario', content: 'Booking a table.', stage_name: 'lm/scenario', scores: {}, metadata: {} },
      { role: 'persona', content: 'A hungry tourist.', target: 'user' },
      { role: 'flow_controller', content: null, terminate: false },
      { role: 'user', content: 'A table for two?', stage_name: 'lm/user', scores: {}, metadata: {} },
      { role: 'assistant', content: 'At eight?', scores: { judge: 1 } },
      { role: 'tc/user', content: 'Yes, please.' },
      { role: 'assistant', content: 'Booked.' },
    ]);
    expect(conversationMessages(record)).toEqual({
      conversation_id: 'c-1',
      messages: [
        { role: 'user', content: 'A table for two?' },
        { role: 'assistant', content: 'At eight?' },
        { role: 'user', content: 'Yes, please.' },
        { role: 'assistant', content: 'Booked.' },
      ],
    });
  });

  it('writes tool calls OpenAI-style, arguments and results as Python json.dumps text', () => {
    const record = conversation([
      { role: 'user', content: 'Weather in Zürich and Rome?' },
      { role: 'tool_call', content: { name: 'weather', arguments: { city: 'Zürich', days: [1, 2] }, call_id: '$1' } },
      { role: 'tool_call', content: { name: 'weather', arguments: '{"city":"Rome"}', id: '$2' } },
      { role: 'tool_call', content: { name: 'clock' } },
      { role: 'tool_result', content: { call_id: '$1', result: { celsius: 21, sunny: true } } },
      { role: 'tool_result', content: { id: '$2', result: 'raining' } },
      { role: 'tool_result', content: { call_id: '$3' } },
      { role: 'assistant', content: 'Sunny in Zürich, rain in Rome.' },
    ]);
    expect(conversationMessages(record)).toEqual({
      conversation_id: 'c-1',
      messages: [
        { role: 'user', content: 'Weather in Zürich and Rome?' },
        { role: 'assistant', tool_calls: [{ id: '$1', type: 'function', function: { name: 'weather', arguments: '{"city": "Z\\u00fcrich", "days": [1, 2]}' } }] },
        { role: 'assistant', tool_calls: [{ id: '$2', type: 'function', function: { name: 'weather', arguments: '{"city":"Rome"}' } }] },
        { role: 'assistant', tool_calls: [{ id: null, type: 'function', function: { name: 'clock', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: '$1', content: '{"celsius": 21, "sunny": true}' },
        { role: 'tool', tool_call_id: '$2', content: 'raining' },
        { role: 'tool', tool_call_id: '$3', content: 'null' },
        { role: 'assistant', content: 'Sunny in Zürich, rain in Rome.' },
      ],
    });
  });

  it('keys the output conversation_id then messages, as DGT writes them', () => {
    expect(JSON.stringify(conversationMessages(conversation([{ role: 'user', content: 'Hi' }])))).toBe('{"conversation_id":"c-1","messages":[{"role":"user","content":"Hi"}]}');
  });

  it('a conversation with no steps gives no messages', () => {
    expect(conversationMessages(conversation([]))).toEqual({ conversation_id: 'c-1', messages: [] });
  });

  it('a record without conversation_id or steps: a ConfigError naming the formatter, the field and the rxdgt_id', () => {
    const { conversation_id: _, ...withoutId } = conversation([]);
    expect(() => conversationMessages(withoutId as DataPoint)).toThrow(
      new ConfigError('formatter `formatters/conversation/messages`: record `4-9f2c` has no field `conversation_id`', { field: 'formatter' }),
    );
    const { steps: __, ...withoutSteps } = conversation([]);
    expect(() => conversationMessages(withoutSteps as DataPoint)).toThrow('formatter `formatters/conversation/messages`: record `4-9f2c` has no field `steps`');
    expect(() => conversationMessages({ task_name: 't', is_seed: false, question: 'Why?' })).toThrow(
      'formatter `formatters/conversation/messages`: a record without `rxdgt_id` has no field `conversation_id`',
    );
  });

  it('steps that are not a list of objects, or a tool step without an object content: the same error, naming the step', () => {
    expect(() => conversationMessages(conversation('hello'))).toThrow('record `4-9f2c` has a field `steps` that is not a list');
    expect(() => conversationMessages(conversation([{ role: 'user', content: 'Hi' }, 'oops']))).toThrow('record `4-9f2c` has a field `steps.1` that is not an object');
    expect(() => conversationMessages(conversation([{ role: 'tool_call', content: 'weather(Rome)' }]))).toThrow(
      'record `4-9f2c` has a field `steps.0.content` that is not an object',
    );
    try {
      conversationMessages(conversation([{ role: 'tool_result' }]));
      expect.unreachable();
    } catch (error) {
      expect(ConfigError.isInstance(error) && error.field).toBe('formatter');
    }
  });
});
