/**
 * A request as node-llama-cpp takes it: the chat history (tool calls and their results as function calls of a model
 * response), the functions a chat may call, the sampling options, and the tool calls of an answer.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, LlamaCompletionGenerationOptions, LlamaModel, Token } from 'node-llama-cpp';
import type { ChatMessage, GenerationParams, ModelRequest, ToolCall } from '../../model/language-model.ts';
import { argumentsObject, toolCallOf } from '../tool-calls.ts';
import { paramError, refuseParams } from '../unsupported-params.ts';
import type { NodeLlamaCpp } from './load-node-llama-cpp.ts';

/**
 * Throws for a parameter node-llama-cpp does not take here, or a tool choice it cannot force.
 * @throws {ConfigError} naming the block field
 */
export function checkLlamaCppParams(params: GenerationParams): void {
  refuseParams('llama-cpp', params, {
    logprobs: 'node-llama-cpp returns no log probabilities',
    echo: 'the llama-cpp engine does not echo the prompt',
    skipSpecialTokens: 'node-llama-cpp never shows special tokens',
    reasoningEffort: 'node-llama-cpp takes no reasoning effort',
    extraBody: 'the model runs in-process, so there is no request body; use `providerOptions` for node-llama-cpp options',
  });
  if (params.toolChoice === 'required' || typeof params.toolChoice === 'object') {
    throw paramError('llama-cpp', 'toolChoice', 'expected auto or none: node-llama-cpp cannot force a function call');
  }
}

/**
 * The history of a chat. An assistant's tool calls become function calls of its response, each with the result of
 * the tool message that answers it. A trailing assistant message is a prefix the answer continues (after tool
 * results too); otherwise the answer is a new model turn.
 */
export function chatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const results = new Map(messages.flatMap((message) => (message.role === 'tool' ? [[message.tool_call_id, message.content] as const] : [])));
  const history = messages.flatMap((message): ChatHistoryItem[] => {
    if (message.role === 'tool') return [];
    if (message.role !== 'assistant') return [{ type: message.role, text: message.content }];
    const calls = (message.tool_calls ?? []).map(
      (call): ChatModelFunctionCall => ({ type: 'functionCall', name: call.function.name, params: argumentsObject(call.function.arguments), result: results.get(call.id) ?? '' }),
    );
    return [{ type: 'model', response: [...(message.content === '' && calls.length > 0 ? [] : [message.content]), ...calls] }];
  });
  return history.at(-1)?.type === 'model' ? history : [...history, { type: 'model', response: [] }];
}

/** The functions of a chat's tools (none for `toolChoice: 'none'`); undefined when there are none. */
export function functionsOf(request: ModelRequest): ChatModelFunctions | undefined {
  const tools = request.toolChoice === 'none' ? [] : (request.tools ?? []);
  if (tools.length === 0) return undefined;
  if (request.method === 'completion') throw paramError('llama-cpp', 'tools', 'not supported on a completion request (tools need a chat request)');
  if (request.responseFormat !== undefined || request.jsonMode) {
    throw paramError('llama-cpp', 'tools', 'node-llama-cpp cannot combine functions with a response format or JSON mode (both are grammars)');
  }
  return Object.fromEntries(
    tools.map(({ function: tool }) => [tool.name, { ...(tool.description === undefined ? {} : { description: tool.description }), ...(tool.parameters === undefined ? {} : { params: tool.parameters }) }]),
  ) as ChatModelFunctions;
}

/** Sampling options besides the ones every call sets: `topK`, the penalties, and the logit bias as a token bias. */
export function samplingOptions(request: ModelRequest, module: NodeLlamaCpp, model: LlamaModel): LlamaCompletionGenerationOptions {
  const options: LlamaCompletionGenerationOptions = {};
  if (request.topK !== undefined) options.topK = request.topK;
  if (request.frequencyPenalty !== undefined || request.presencePenalty !== undefined) {
    options.repeatPenalty = {
      ...(request.frequencyPenalty === undefined ? {} : { frequencyPenalty: request.frequencyPenalty }),
      ...(request.presencePenalty === undefined ? {} : { presencePenalty: request.presencePenalty }),
    };
  }
  if (request.logitBias !== undefined) {
    const bias = module.TokenBias.for(model);
    // -100 bans a token, as on OpenAI; other values shift its logit.
    for (const [token, value] of Object.entries(request.logitBias)) bias.set(Number(token) as Token, value <= -100 ? 'never' : { logit: value });
    options.tokenBias = bias;
  }
  return options;
}

/** The tool calls of a chat answer; node-llama-cpp gives no ids, so each gets `call_<index>`. */
export function llamaToolCalls(calls: readonly { readonly functionName: string; readonly params: unknown }[] | undefined): ToolCall[] {
  return (calls ?? []).map((call, index) => toolCallOf(`call_${index}`, call.functionName, call.params));
}
