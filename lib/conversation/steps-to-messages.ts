import type { ChatMessage } from '../model/language-model.ts';
import type { Step } from './conversation.ts';

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value) ?? '');

/**
 * The conversation's spoken steps as OpenAI-style chat messages, as DGT's `steps_to_messages` makes them: user and
 * assistant steps as they are, a tool call as an assistant message with one `tool_calls` entry (`arguments` as JSON
 * text), a tool result as a `tool` message (its `error` when it has one, else its `result`). Scenario, persona,
 * flow-controller and other internal steps are left out.
 *
 * ## Example
 * ```ts
 * stepsToMessages([makeStep('scenario', { content: 'S' }), makeStep('user', { content: 'Hi' }), makeStep('assistant', { content: 'Hello!' })]);
 * // [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }]
 * ```
 */
export function stepsToMessages(steps: readonly Step[]): ChatMessage[] {
  return steps.flatMap((step): ChatMessage[] => {
    const { content } = step;
    switch (step.role) {
      case 'user':
        return [{ role: 'user', content: asText(content) }];
      case 'assistant':
        return [{ role: 'assistant', content: asText(content) }];
      case 'tool_call': {
        if (!isObject(content)) return [{ role: 'assistant', content: asText(content) }];
        const callArguments = content['arguments'] ?? {};
        const call = { id: String(content['call_id'] ?? ''), type: 'function' as const, function: { name: String(content['name'] ?? ''), arguments: asText(callArguments) } };
        return [{ role: 'assistant', content: '', tool_calls: [call] }];
      }
      case 'tool_result': {
        if (!isObject(content)) return [{ role: 'tool', tool_call_id: '', content: asText(content) }];
        const error = content['error'];
        return [{ role: 'tool', tool_call_id: String(content['call_id'] ?? ''), content: error ? asText(error) : asText(content['result'] ?? '') }];
      }
      default:
        return [];
    }
  });
}
