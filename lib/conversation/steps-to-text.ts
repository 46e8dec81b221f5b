import type { Step } from './conversation.ts';
import { stepsToMessages } from './steps-to-messages.ts';

/**
 * The spoken steps as plain text for a prompt, one line per message (`User: ...`, `Assistant: ...`,
 * `Assistant (tool call): name({...})`, `Tool result [id]: ...`), covering what {@link stepsToMessages} covers.
 *
 * ## Example
 * ```ts
 * stepsToText([makeStep('user', { content: 'Hi' }), makeStep('assistant', { content: 'Hello!' })]); // 'User: Hi\nAssistant: Hello!'
 * ```
 */
export function stepsToText(steps: readonly Step[]): string {
  return stepsToMessages(steps)
    .flatMap((message) => {
      if (message.role === 'user') return [`User: ${message.content}`];
      if (message.role === 'tool') return [`Tool result [${message.tool_call_id}]: ${message.content}`];
      if (message.role === 'assistant' && message.tool_calls?.length) {
        return message.tool_calls.map((call) => `Assistant (tool call): ${call.function.name}(${typeof call.function.arguments === 'string' ? call.function.arguments : JSON.stringify(call.function.arguments)})`);
      }
      return message.role === 'assistant' ? [`Assistant: ${message.content}`] : [];
    })
    .join('\n');
}
