import { describe, expect, it } from 'vitest';
import { chatHistory, llamaToolCalls } from '../../lib/providers/llama-cpp/llama-cpp-request.ts';

describe('llama-cpp requests', () => {
  it('renders tool calls as function calls of the model response, each with the result of its tool message', () => {
    const history = chatHistory([
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: 'Where?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'lookup', arguments: '{"city":"Paris"}' } },
          { id: 'b', type: 'function', function: { name: 'lookup', arguments: { city: 'Lyon' } } },
        ],
      },
      { role: 'tool', content: 'in Paris', tool_call_id: 'a' },
      { role: 'tool', content: 'in Lyon', tool_call_id: 'b' },
    ]);
    expect(history).toEqual([
      { type: 'system', text: 'Use tools.' },
      { type: 'user', text: 'Where?' },
      {
        type: 'model',
        response: [
          'Checking.',
          { type: 'functionCall', name: 'lookup', params: { city: 'Paris' }, result: 'in Paris' },
          { type: 'functionCall', name: 'lookup', params: { city: 'Lyon' }, result: 'in Lyon' },
        ],
      },
    ]);
  });

  it('a history that does not end with the model gets an empty model turn to answer in', () => {
    expect(chatHistory([{ role: 'user', content: 'Hi' }])).toEqual([{ type: 'user', text: 'Hi' }, { type: 'model', response: [] }]);
  });

  it('function calls of an answer become tool calls with made-up ids', () => {
    expect(llamaToolCalls([{ functionName: 'lookup', params: { city: 'Paris' } }, { functionName: 'now', params: undefined }])).toEqual([
      { id: 'call_0', name: 'lookup', arguments: { city: 'Paris' } },
      { id: 'call_1', name: 'now', arguments: {} },
    ]);
    expect(llamaToolCalls(undefined)).toEqual([]);
  });
});
