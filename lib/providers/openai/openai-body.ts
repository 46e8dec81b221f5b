/**
 * The request body of an OpenAI-compatible chat or completion call (`openai`, `vllm-remote`, `azure-openai`,
 * `vllm-server`), in OpenAI's names, with vLLM's extensions (`top_k`, `skip_special_tokens`, chat `echo`) sent as
 * given, and the answers read back: texts, tool calls and log probabilities.
 */
import type OpenAI from 'openai';
import type { ChatMessage, ModelRequest, TokenLogprob, ToolCall } from '../../model/language-model.ts';
import { definedSettings } from '../defined-settings.ts';
import { argumentsText, toolCallOf } from '../tool-calls.ts';
import { paramError } from '../unsupported-params.ts';
import { chatLogprobsOf, completionLogprobsOf } from './openai-logprobs.ts';

/** Messages as OpenAI takes them: tool-call arguments as JSON text. Messages without tool calls are sent as they are. */
function wireMessages(messages: readonly ChatMessage[]): readonly unknown[] {
  return messages.map((message) =>
    message.role === 'assistant' && message.tool_calls !== undefined
      ? { ...message, tool_calls: message.tool_calls.map((call) => ({ ...call, function: { ...call.function, arguments: argumentsText(call.function.arguments) } })) }
      : message,
  );
}

/**
 * Body fields besides the model and the input: DGT's parameters in OpenAI's names, the response format, the tools;
 * `providerOptions` first, `extraBody` last (its keys win).
 * @throws {ConfigError} for tools or a reasoning effort on a completion request, which only chat takes
 */
export function openAIBodyParams(engine: string, request: ModelRequest): Record<string, unknown> {
  const isChat = request.method === 'chat';
  const body: Record<string, unknown> = {
    ...request.providerOptions,
    ...definedSettings({
      temperature: request.temperature,
      max_tokens: request.maxTokens,
      stop: request.stop,
      seed: request.seed,
      n: request.n,
      top_p: request.topP,
      top_k: request.topK,
      frequency_penalty: request.frequencyPenalty,
      presence_penalty: request.presencePenalty,
      logit_bias: request.logitBias,
      echo: request.echo,
      skip_special_tokens: request.skipSpecialTokens,
    }),
  };
  if (request.logprobs) {
    // Chat asks with a flag and a count; the legacy completion with the count alone.
    if (isChat) {
      body['logprobs'] = true;
      if (request.topLogprobs !== undefined) body['top_logprobs'] = request.topLogprobs;
    } else body['logprobs'] = request.topLogprobs ?? 0;
  }
  if (request.reasoningEffort !== undefined) {
    if (!isChat) throw paramError(engine, 'reasoningEffort', 'not supported on a completion request (only chat takes a reasoning effort)');
    body['reasoning_effort'] = request.reasoningEffort;
  }
  if (request.responseFormat !== undefined) {
    const { name, schema } = request.responseFormat;
    body['response_format'] = { type: 'json_schema', json_schema: { name, schema, strict: true } };
  } else if (request.jsonMode) body['response_format'] = { type: 'json_object' };
  if (request.tools !== undefined && request.tools.length > 0) {
    if (!isChat) throw paramError(engine, 'tools', 'not supported on a completion request (tools need a chat request)');
    body['tools'] = request.tools;
    if (request.toolChoice !== undefined) body['tool_choice'] = request.toolChoice;
  }
  return { ...body, ...request.extraBody };
}

/** The input of the body: messages, or the prompt (or a batch's prompts), each with the request's `continuation`. */
export function openAIInput(request: ModelRequest): Record<string, unknown> {
  if (request.method === 'chat') return { messages: wireMessages(request.messages) };
  const suffix = request.continuation ?? '';
  const prompt = request.prompt as string | readonly string[];
  return { prompt: typeof prompt === 'string' ? prompt + suffix : prompt.map((each) => each + suffix) };
}

/** One chat choice: its text, its tool calls (ids as the server gave them) and its log probabilities. */
export function chatChoiceOf(choice: OpenAI.ChatCompletion.Choice): { text: string; toolCalls: ToolCall[]; logprobs: TokenLogprob[] | undefined } {
  const calls = (choice.message?.tool_calls ?? []) as readonly { id?: string; type?: string; function?: { name?: string; arguments?: unknown } }[];
  const toolCalls = calls.flatMap((call, index) =>
    call.function?.name === undefined ? [] : [toolCallOf(call.id || `call_${index}`, call.function.name, call.function.arguments)],
  );
  return { text: choice.message?.content ?? '', toolCalls, logprobs: chatLogprobsOf(choice.logprobs) };
}

/** One legacy completion choice: its text and its log probabilities. */
export function completionChoiceOf(choice: OpenAI.Completions.CompletionChoice): { text: string; logprobs: TokenLogprob[] | undefined } {
  return { text: choice.text ?? '', logprobs: completionLogprobsOf(choice.logprobs) };
}
