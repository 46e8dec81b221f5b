import { describe, expect, test } from 'vitest';
import { makeStep } from '../../lib/conversation/conversation.ts';
import { stepsToMessages } from '../../lib/conversation/steps-to-messages.ts';
import { stepsToText } from '../../lib/conversation/steps-to-text.ts';

const steps = [
  makeStep('scenario', { content: 'S' }),
  makeStep('user', { content: 'Weather?' }),
  makeStep('tool_call', { content: { name: 'weather', arguments: { city: 'Oslo' }, call_id: 'c1' } }),
  makeStep('tool_result', { content: { call_id: 'c1', result: { celsius: 4 } } }),
  makeStep('tool_result', { content: { call_id: 'c2', error: 'timeout' } }),
  makeStep('assistant', { content: 'Cold.' }),
];

describe('stepsToMessages and stepsToText', () => {
  test('spoken steps become chat messages; internal steps are left out', () => {
    expect(stepsToMessages(steps)).toEqual([
      { role: 'user', content: 'Weather?' },
      { role: 'assistant', content: '', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '{"celsius":4}' },
      { role: 'tool', tool_call_id: 'c2', content: 'timeout' },
      { role: 'assistant', content: 'Cold.' },
    ]);
    expect(stepsToText(steps)).toBe('User: Weather?\nAssistant (tool call): weather({"city":"Oslo"})\nTool result [c1]: {"celsius":4}\nTool result [c2]: timeout\nAssistant: Cold.');
  });
});
