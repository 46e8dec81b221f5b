/**
 * Request bodies and answers of the watsonx.ai REST API (`/ml/v1/text/chat`, `/ml/v1/text/generation`), with DGT's
 * decoding rule: a temperature of 0 or less selects greedy decoding, and greedy chat asks for one answer.
 */
import { ApiCallError } from '../../errors/api-call-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { ChatMessage, ModelRequest, ModelResult, ResponseFormat } from '../../model/language-model.ts';
import { chatLogprobsOf, logprobsField } from '../openai/openai-logprobs.ts';
import { toolCallOf, toolCallsField } from '../tool-calls.ts';
import { chatExtras, generatedTokenLogprobs, generationExtras, watsonxMessages } from './watsonx-params.ts';

export type ChatRequest = Extract<ModelRequest, { method: 'chat' }>;
export type CompletionRequest = Extract<ModelRequest, { method: 'completion' }>;

/** How a response format reaches watsonx chat. */
export type WatsonxResponseFormatType = 'json_object' | 'json_schema';

/** What every body carries besides the request. */
export interface WatsonxTarget {
  readonly modelId: string;
  readonly projectId: string;
}

function isGreedy(temperature: number | undefined): boolean {
  return temperature !== undefined && temperature <= 0;
}

/** The instruction that carries a schema where the API takes none (JSON mode, text generation). */
export function schemaInstruction(format: ResponseFormat): string {
  return `Answer with one JSON value that matches this JSON Schema, and nothing else:\n${JSON.stringify(format.schema)}`;
}

/** Messages with the schema instruction appended to the first system message, or put first as one. */
function withSchemaInstruction(messages: readonly ChatMessage[], format: ResponseFormat): readonly ChatMessage[] {
  const instruction = schemaInstruction(format);
  const system = messages.findIndex((message) => message.role === 'system');
  if (system === -1) return [{ role: 'system', content: instruction }, ...messages];
  return messages.map((message, index) => (index === system ? { role: 'system', content: `${message.content}\n\n${instruction}` } : message));
}

/** Body of `POST /ml/v1/text/chat`. `providerOptions` go in as given; the fields set here win, and `extraBody` wins over them. */
export function chatBody(request: ChatRequest, target: WatsonxTarget, formatType: WatsonxResponseFormatType): Record<string, unknown> {
  const format = request.responseFormat;
  const messages = watsonxMessages(request.messages);
  const body: Record<string, unknown> = {
    ...request.providerOptions,
    model_id: target.modelId,
    project_id: target.projectId,
    messages: format && formatType === 'json_object' ? withSchemaInstruction(messages, format) : messages,
    ...chatExtras(request),
  };
  if (request.maxTokens !== undefined) body['max_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  if (request.topP !== undefined) body['top_p'] = request.topP;
  if (request.stop !== undefined) body['stop'] = request.stop;
  if (request.seed !== undefined) body['seed'] = request.seed;
  // As in DGT: greedy decoding gives the same answer n times, so it asks for one.
  if (request.n !== undefined) body['n'] = isGreedy(request.temperature) ? 1 : request.n;
  if (format) {
    body['response_format'] =
      formatType === 'json_schema' ? { type: 'json_schema', json_schema: { name: format.name, schema: format.schema, strict: true } } : { type: 'json_object' };
  } else if (request.jsonMode) body['response_format'] = { type: 'json_object' };
  return { ...body, ...request.extraBody };
}

/**
 * Body of `POST /ml/v1/text/generation`. Text generation has no `n` and no JSON mode: greedy decoding makes one
 * answer whatever `n` says, sampled `n > 1` is a config error, and a response format (or JSON mode) becomes an
 * instruction placed before the prompt. `providerOptions` go into `parameters` as given; `extraBody` into the body.
 */
export function generationBody(request: CompletionRequest, target: WatsonxTarget): Record<string, unknown> {
  const greedy = isGreedy(request.temperature);
  if (request.n !== undefined && request.n > 1 && !greedy) {
    throw new ConfigError(`watsonx: invalid config at \`n\`: expected 1 (text generation makes one answer per request), received ${request.n}`, {
      field: 'n',
    });
  }
  const parameters: Record<string, unknown> = { ...request.providerOptions, ...generationExtras(request) };
  if (request.temperature !== undefined) parameters['decoding_method'] = greedy ? 'greedy' : 'sample';
  if (request.maxTokens !== undefined) parameters['max_new_tokens'] = request.maxTokens;
  if (request.temperature !== undefined) parameters['temperature'] = request.temperature;
  if (request.topP !== undefined) parameters['top_p'] = request.topP;
  if (request.stop !== undefined) parameters['stop_sequences'] = request.stop;
  if (request.seed !== undefined) parameters['random_seed'] = request.seed;
  const format = request.responseFormat;
  const prompt = request.prompt + (request.continuation ?? '');
  const instruction = format ? schemaInstruction(format) : request.jsonMode ? jsonInstruction : undefined;
  return {
    model_id: target.modelId,
    project_id: target.projectId,
    input: instruction ? `${instruction}\n\n${prompt}` : prompt,
    parameters,
    ...request.extraBody,
  };
}

/** The instruction of JSON mode where the API has none (text generation). */
const jsonInstruction = 'Answer with one JSON object, and nothing else.';

/** The service's error text: `{ errors: [{ code, message }], status_code }`. */
export function watsonxErrorMessage(body: unknown): string | undefined {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  return errors
    .map((error: { code?: unknown; message?: unknown } | null) => [error?.code, error?.message].filter((part) => typeof part === 'string').join(': '))
    .join('; ');
}

function unexpected(what: string, detail: string): ApiCallError {
  return new ApiCallError(`${what} answered 200 without ${detail}`, { url: what, statusCode: 200, isRetryable: false });
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Texts, tool calls, log probabilities, finish reason and usage of a chat answer, OpenAI-shaped. */
export function chatResult(body: unknown, what: string): ModelResult {
  const { choices, usage } = body as { choices?: unknown; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } };
  if (!Array.isArray(choices) || choices.length === 0) throw unexpected(what, '`choices`');
  const typed = choices as { message?: { content?: unknown; tool_calls?: unknown }; finish_reason?: unknown; logprobs?: unknown }[];
  const toolCalls = typed.map((choice) =>
    (Array.isArray(choice?.message?.tool_calls) ? (choice.message.tool_calls as { id?: unknown; function?: { name?: unknown; arguments?: unknown } }[]) : []).flatMap((call, index) =>
      typeof call?.function?.name === 'string' ? [toolCallOf(typeof call.id === 'string' && call.id !== '' ? call.id : `call_${index}`, call.function.name, call.function.arguments)] : [],
    ),
  );
  return {
    texts: typed.map((choice) => (typeof choice?.message?.content === 'string' ? choice.message.content : '')),
    ...toolCallsField(toolCalls),
    ...logprobsField(typed.map((choice) => chatLogprobsOf(choice?.logprobs))),
    finishReason: typeof typed[0]?.finish_reason === 'string' ? typed[0].finish_reason : undefined,
    usage: { promptTokens: count(usage?.prompt_tokens), completionTokens: count(usage?.completion_tokens) },
  };
}

/**
 * Text (after the echoed `input_text`, when asked for), log probabilities, finish reason (`stop_reason`: `eos_token`,
 * `max_tokens`, ...) and usage of a text generation answer.
 */
export function generationResult(body: unknown, what: string): ModelResult {
  const results = (body as { results?: unknown }).results;
  type Result = { generated_text?: unknown; input_text?: unknown; generated_tokens?: unknown; stop_reason?: unknown; input_token_count?: unknown; generated_token_count?: unknown };
  const first = Array.isArray(results) ? (results[0] as Result | undefined) : undefined;
  if (typeof first?.generated_text !== 'string') throw unexpected(what, '`results[0].generated_text`');
  return {
    texts: [(typeof first.input_text === 'string' ? first.input_text : '') + first.generated_text],
    ...logprobsField([generatedTokenLogprobs(first.generated_tokens)]),
    finishReason: typeof first.stop_reason === 'string' ? first.stop_reason : undefined,
    usage: { promptTokens: count(first.input_token_count), completionTokens: count(first.generated_token_count) },
  };
}
