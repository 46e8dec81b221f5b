/**
 * The parameters of a watsonx.ai request beyond the basic ones, in the API's names: penalties, logit bias, log
 * probabilities, reasoning effort and tools for chat; `top_k` and `return_options` for text generation.
 */
import type { ChatMessage, GenerationParams, ModelRequest, TokenLogprob } from '../../model/language-model.ts';
import { alternativesOf } from '../openai/openai-logprobs.ts';
import { argumentsText } from '../tool-calls.ts';
import { paramError, refuseParams } from '../unsupported-params.ts';

const efforts = new Set(['low', 'medium', 'high']);

/**
 * Throws for a parameter neither watsonx endpoint takes (special tokens shown, a reasoning effort it has no level
 * for); the rest depends on the endpoint and is checked per request.
 * @throws {ConfigError} naming the block field
 */
export function checkWatsonxParams(params: GenerationParams): void {
  refuseParams('watsonx', params, { skipSpecialTokens: 'watsonx never shows special tokens' });
  if (params.reasoningEffort !== undefined && !efforts.has(params.reasoningEffort)) {
    throw paramError('watsonx', 'reasoningEffort', `expected low, medium or high, received ${params.reasoningEffort}`);
  }
}

/** Messages as watsonx chat takes them (OpenAI's shape): tool-call arguments as JSON text. */
export function watsonxMessages(messages: readonly ChatMessage[]): readonly ChatMessage[] {
  return messages.map((message) =>
    message.role === 'assistant' && message.tool_calls !== undefined
      ? { ...message, tool_calls: message.tool_calls.map((call) => ({ ...call, function: { ...call.function, arguments: argumentsText(call.function.arguments) } })) }
      : message,
  );
}

/** Chat body fields: penalties, logit bias, log probabilities, reasoning effort, and tools with their choice. */
export function chatExtras(request: Extract<ModelRequest, { method: 'chat' }>): Record<string, unknown> {
  checkWatsonxParams(request);
  refuseParams('watsonx', request, {
    topK: 'watsonx chat has no top-k sampling; text generation has',
    echo: 'watsonx chat does not echo the prompt; text generation does',
  });
  const fields: Record<string, unknown> = {};
  const set = (name: string, value: unknown): void => {
    if (value !== undefined) fields[name] = value;
  };
  set('frequency_penalty', request.frequencyPenalty);
  set('presence_penalty', request.presencePenalty);
  set('logit_bias', request.logitBias);
  if (request.logprobs) {
    fields['logprobs'] = true;
    set('top_logprobs', request.topLogprobs);
  }
  set('reasoning_effort', request.reasoningEffort);
  if (request.tools !== undefined && request.tools.length > 0) {
    fields['tools'] = request.tools;
    // A named function goes in `tool_choice`; `none`, `auto` and `required` in `tool_choice_option`.
    const choice = request.toolChoice;
    if (typeof choice === 'object') fields['tool_choice'] = choice;
    else set('tool_choice_option', choice);
  }
  return fields;
}

/** Text generation `parameters` fields: `top_k`, and `return_options` for log probabilities and echo. */
export function generationExtras(request: Extract<ModelRequest, { method: 'completion' }>): Record<string, unknown> {
  checkWatsonxParams(request);
  const chatOnly = 'watsonx text generation has none; chat has';
  refuseParams('watsonx', request, {
    frequencyPenalty: chatOnly,
    presencePenalty: chatOnly,
    logitBias: chatOnly,
    reasoningEffort: chatOnly,
    tools: 'tools need a chat request',
  });
  const fields: Record<string, unknown> = {};
  if (request.topK !== undefined) fields['top_k'] = request.topK;
  const returned: Record<string, unknown> = {};
  if (request.logprobs) Object.assign(returned, { generated_tokens: true, token_logprobs: true }, request.topLogprobs ? { top_n_tokens: request.topLogprobs } : {});
  if (request.echo) returned['input_text'] = true;
  if (Object.keys(returned).length > 0) fields['return_options'] = returned;
  return fields;
}

/** Log probabilities of a text generation result's `generated_tokens` (`{ text, logprob, top_tokens }`). */
export function generatedTokenLogprobs(tokens: unknown): TokenLogprob[] | undefined {
  if (!Array.isArray(tokens)) return undefined;
  return tokens.flatMap((entry: { text?: unknown; logprob?: unknown; top_tokens?: unknown } | null) => {
    if (typeof entry?.text !== 'string' || typeof entry.logprob !== 'number') return [];
    const top = alternativesOf(Array.isArray(entry.top_tokens) ? entry.top_tokens.map((each: { text?: unknown; logprob?: unknown } | null) => ({ token: each?.text, logprob: each?.logprob })) : undefined);
    return [{ token: entry.text, logprob: entry.logprob, ...(top && top.length > 0 ? { top } : {}) }];
  });
}
