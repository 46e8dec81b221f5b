/**
 * Tool calls between the spec's shapes and the engines' wires: arguments as JSON text (OpenAI, watsonx) or as an
 * object (Ollama, Anthropic, node-llama-cpp), and the normalised {@link ToolCall} of a result.
 */
import type { ChatToolCall, ToolCall } from '../model/language-model.ts';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A result's tool call, arguments parsed: an object is kept, JSON text of an object is parsed, nothing is `{}`;
 * anything else gives `{}` and keeps the text in `unparsedArguments`.
 *
 * ## Example
 * ```ts
 * toolCallOf('call_1', 'lookup', '{"city":"Paris"}'); // { id: 'call_1', name: 'lookup', arguments: { city: 'Paris' } }
 * toolCallOf('call_2', 'lookup', 'city=Paris');       // { ..., arguments: {}, unparsedArguments: 'city=Paris' }
 * ```
 */
export function toolCallOf(id: string, name: string, args: unknown): ToolCall {
  if (isPlainObject(args)) return { id, name, arguments: args };
  if (args === undefined || args === null || (typeof args === 'string' && args.trim() === '')) return { id, name, arguments: {} };
  const text = typeof args === 'string' ? args : JSON.stringify(args);
  try {
    const parsed: unknown = JSON.parse(text);
    if (isPlainObject(parsed)) return { id, name, arguments: parsed };
  } catch {
    // Not JSON: kept as written below.
  }
  return { id, name, arguments: {}, unparsedArguments: text };
}

/** A message's tool-call arguments as JSON text, as OpenAI-shaped APIs take them. */
export function argumentsText(args: ChatToolCall['function']['arguments']): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

/** A message's tool-call arguments as an object, as Ollama and Anthropic take them; text that is no JSON object is `{}`. */
export function argumentsObject(args: ChatToolCall['function']['arguments']): Record<string, unknown> {
  return toolCallOf('', '', args).arguments as Record<string, unknown>;
}

/** `{ toolCalls }` for a result when any answer called a tool, else nothing (results keep their old shape). */
export function toolCallsField(perAnswer: readonly (readonly ToolCall[])[]): { toolCalls?: readonly (readonly ToolCall[])[] } {
  return perAnswer.some((calls) => calls.length > 0) ? { toolCalls: perAnswer } : {};
}
