/**
 * The Messages API body of a request: system messages lifted into `system`, tool calls as `tool_use` blocks and their
 * results as `tool_result` blocks of a user turn, tools with their `input_schema`, and the parameters the API takes.
 */
import { ConfigError } from '../../errors/config-error.ts';
import type { ChatMessage, GenerationParams, ModelRequest, ToolChoice } from '../../model/language-model.ts';
import { argumentsObject } from '../tool-calls.ts';
import { paramError, refuseParams } from '../unsupported-params.ts';

type Turn = { role: 'user' | 'assistant'; content: string | Record<string, unknown>[] };

/** The reasoning efforts `output_config.effort` takes. */
const efforts = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

/**
 * Throws for a parameter the Messages API does not take. A JSON mode without a schema passes: as in DGT, it has no
 * Anthropic equivalent and is left out.
 * @throws {ConfigError} naming the block field
 */
export function checkAnthropicParams(params: GenerationParams): void {
  refuseParams('anthropic', params, {
    frequencyPenalty: 'the Messages API has no frequency penalty',
    presencePenalty: 'the Messages API has no presence penalty',
    logitBias: 'the Messages API has no logit bias',
    logprobs: 'the Messages API returns no log probabilities',
    echo: 'the Messages API does not echo the prompt',
    skipSpecialTokens: 'the Messages API never shows special tokens',
  });
  if (params.reasoningEffort !== undefined && !efforts.has(params.reasoningEffort)) {
    throw paramError('anthropic', 'reasoningEffort', `expected one of low, medium, high, xhigh, max (Anthropic's \`output_config.effort\`), received ${params.reasoningEffort}`);
  }
}

/** One turn per message; consecutive tool results share one user turn, as the API wants them. */
function turnsOf(messages: readonly ChatMessage[]): Turn[] {
  const turns: Turn[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    if (message.role === 'tool') {
      const result = { type: 'tool_result', tool_use_id: message.tool_call_id, content: message.content };
      const last = turns.at(-1);
      if (last?.role === 'user' && Array.isArray(last.content) && last.content.every((block) => block['type'] === 'tool_result')) last.content.push(result);
      else turns.push({ role: 'user', content: [result] });
    } else if (message.role === 'assistant' && message.tool_calls !== undefined && message.tool_calls.length > 0) {
      const uses = message.tool_calls.map((call) => ({ type: 'tool_use', id: call.id, name: call.function.name, input: argumentsObject(call.function.arguments) }));
      turns.push({ role: 'assistant', content: [...(message.content === '' ? [] : [{ type: 'text', text: message.content }]), ...uses] });
    } else turns.push({ role: message.role, content: message.content });
  }
  return turns;
}

function toolChoiceOf(choice: ToolChoice): Record<string, unknown> {
  if (typeof choice === 'object') return { type: 'tool', name: choice.function.name };
  return { type: choice === 'required' ? 'any' : choice };
}

/** What the body holds besides the parameters: `system`, the turns, and the tools. */
function conversationOf(request: ModelRequest): Record<string, unknown> {
  if (request.method === 'completion') return { messages: [{ role: 'user', content: request.prompt + (request.continuation ?? '') }] };
  const system = request.messages.flatMap((message) => (message.role === 'system' ? [message.content] : []));
  const fields: Record<string, unknown> = { messages: turnsOf(request.messages) };
  if (system.length > 0) fields['system'] = system.join('\n\n');
  if (request.tools !== undefined && request.tools.length > 0) {
    fields['tools'] = request.tools.map(({ function: tool }) => ({
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      input_schema: tool.parameters ?? { type: 'object', properties: {} },
    }));
    if (request.toolChoice !== undefined) fields['tool_choice'] = toolChoiceOf(request.toolChoice);
  }
  return fields;
}

/**
 * The body of `POST /v1/messages`. `sampling` says whether the API version still takes `temperature`, `top_p` and
 * `top_k`. A response format is a forced tool named after the schema.
 * @throws {ConfigError} for tools on a completion request, or tools together with a response format
 */
export function anthropicBody(request: ModelRequest, model: string, maxTokens: number, sampling: boolean): Record<string, unknown> {
  checkAnthropicParams(request);
  const hasTools = request.tools !== undefined && request.tools.length > 0;
  if (hasTools && request.method === 'completion') throw paramError('anthropic', 'tools', 'not supported on a completion request (tools need a chat request)');
  if (hasTools && request.responseFormat !== undefined) {
    throw new ConfigError('anthropic: invalid config at `tools`: a response format is sent as a forced tool, so it cannot be combined with tools', { field: 'tools' });
  }
  const body: Record<string, unknown> = { ...request.providerOptions, model, max_tokens: request.maxTokens ?? maxTokens, ...conversationOf(request) };
  if (request.stop !== undefined) body['stop_sequences'] = request.stop;
  if (sampling && request.temperature !== undefined) body['temperature'] = request.temperature;
  if (sampling && request.topP !== undefined) body['top_p'] = request.topP;
  if (sampling && request.topK !== undefined) body['top_k'] = request.topK;
  if (request.reasoningEffort !== undefined) body['output_config'] = { effort: request.reasoningEffort };
  if (request.responseFormat !== undefined) {
    const { name, schema } = request.responseFormat;
    body['tools'] = [{ name, description: 'Give the answer as this tool\'s input.', input_schema: schema }];
    body['tool_choice'] = { type: 'tool', name };
  }
  return { ...body, ...request.extraBody };
}
