/**
 * The body of Ollama's native `/api/chat` and `/api/generate`, and the parts of its answers beyond the text: tool
 * calls (`message.tool_calls`, arguments as objects) and log probabilities (`logprobs`, OpenAI's entries).
 */
import type { ChatMessage, GenerationParams, ModelRequest, ToolCall } from '../../model/language-model.ts';
import { definedSettings } from '../defined-settings.ts';
import { argumentsObject, toolCallOf } from '../tool-calls.ts';
import { paramError, refuseParams } from '../unsupported-params.ts';

/**
 * Ollama's model options (`api/types.go`). A `providerOptions` key among them goes into `options`, as does
 * everything in `providerOptions.options`; any other key (`keep_alive`, `think`, ...) goes into the body.
 */
const optionNames = new Set([
  'num_ctx', 'num_batch', 'num_gpu', 'main_gpu', 'use_mmap', 'num_thread', 'numa', 'num_keep', 'seed', 'num_predict', 'top_k',
  'top_p', 'min_p', 'typical_p', 'repeat_last_n', 'temperature', 'repeat_penalty', 'presence_penalty', 'frequency_penalty',
  'penalize_newline', 'stop', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'tfs_z',
]);

/** Reasoning efforts as Ollama's `think` takes them: off, or a level (gpt-oss). */
const thinkOf: Readonly<Record<string, boolean | string>> = { none: false, low: 'low', medium: 'medium', high: 'high' };

/**
 * Throws for a parameter Ollama does not take: logit bias, echo, special tokens, a forced tool choice (Ollama has
 * no `tool_choice`; `none` sends no tools), a reasoning effort `think` has no level for.
 * @throws {ConfigError} naming the block field
 */
export function checkOllamaParams(params: GenerationParams): void {
  refuseParams('ollama', params, {
    logitBias: 'Ollama has no logit bias',
    echo: 'Ollama does not echo the prompt',
    skipSpecialTokens: 'Ollama never shows special tokens',
  });
  if (params.reasoningEffort !== undefined && thinkOf[params.reasoningEffort] === undefined) {
    throw paramError('ollama', 'reasoningEffort', `expected none, low, medium or high (Ollama's \`think\`), received ${params.reasoningEffort}`);
  }
  if (params.toolChoice === 'required' || typeof params.toolChoice === 'object') {
    throw paramError('ollama', 'toolChoice', 'expected auto or none: Ollama cannot force a tool call (it has no `tool_choice`)');
  }
}

/** Messages as Ollama takes them: tool-call arguments as objects, a tool result with the name of its tool. */
function wireMessages(messages: readonly ChatMessage[]): readonly unknown[] {
  if (!messages.some((message) => message.role === 'tool' || (message.role === 'assistant' && message.tool_calls !== undefined))) return messages;
  const names = new Map<string, string>();
  return messages.map((message) => {
    if (message.role === 'assistant' && message.tool_calls !== undefined) {
      for (const call of message.tool_calls) names.set(call.id, call.function.name);
      const calls = message.tool_calls.map((call) => ({ function: { name: call.function.name, arguments: argumentsObject(call.function.arguments) } }));
      return { role: 'assistant', content: message.content, tool_calls: calls };
    }
    if (message.role === 'tool') {
      const name = names.get(message.tool_call_id);
      return { role: 'tool', content: message.content, ...(name === undefined ? {} : { tool_name: name }) };
    }
    return message;
  });
}

/**
 * The body of a request, model aside: the input, `options` with every generation option set, `format` for a schema
 * or JSON mode, `think`, `logprobs`, the tools; `extraBody` last.
 * @throws {ConfigError} for a parameter Ollama does not take, or tools on a completion request
 */
export function ollamaBody(request: ModelRequest): Record<string, unknown> {
  checkOllamaParams(request);
  const body: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.providerOptions ?? {})) {
    if (key === 'options' && typeof value === 'object' && value !== null) Object.assign(options, value);
    else if (optionNames.has(key)) options[key] = value;
    else body[key] = value;
  }
  Object.assign(
    options,
    definedSettings({
      num_predict: request.maxTokens,
      temperature: request.temperature,
      top_p: request.topP,
      top_k: request.topK,
      seed: request.seed,
      stop: request.stop,
      frequency_penalty: request.frequencyPenalty,
      presence_penalty: request.presencePenalty,
    }),
  );
  if (Object.keys(options).length > 0) body['options'] = options;
  if (request.responseFormat) body['format'] = request.responseFormat.schema;
  else if (request.jsonMode) body['format'] = 'json';
  if (request.reasoningEffort !== undefined) body['think'] = thinkOf[request.reasoningEffort];
  if (request.logprobs) {
    body['logprobs'] = true;
    if (request.topLogprobs !== undefined) body['top_logprobs'] = request.topLogprobs;
  }
  const tools = request.toolChoice === 'none' ? [] : (request.tools ?? []);
  if (request.method === 'completion') {
    if (tools.length > 0) throw paramError('ollama', 'tools', 'not supported on a completion request (tools need a chat request)');
    return { ...body, prompt: request.prompt + (request.continuation ?? ''), ...request.extraBody };
  }
  if (tools.length > 0) body['tools'] = tools;
  return { ...body, messages: wireMessages(request.messages), ...request.extraBody };
}

/** The tool calls of a chat answer; Ollama gives no ids, so each gets `call_<index>` unless it has one. */
export function ollamaToolCalls(message: unknown): ToolCall[] {
  const calls = (message as { tool_calls?: unknown } | undefined)?.tool_calls;
  if (!Array.isArray(calls)) return [];
  return calls.flatMap((call: { id?: unknown; function?: { name?: unknown; arguments?: unknown } } | null, index) =>
    typeof call?.function?.name === 'string' ? [toolCallOf(typeof call.id === 'string' && call.id !== '' ? call.id : `call_${index}`, call.function.name, call.function.arguments)] : [],
  );
}
