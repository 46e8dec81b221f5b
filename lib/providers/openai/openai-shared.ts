/**
 * What the engines of the OpenAI wire format share (`openai`, `vllm-remote`, `azure-openai`, `vllm-server`): one
 * unstreamed chat or completion call (its body is `openai-body.ts`'s) on a pooled keep-alive connection, and the
 * answer. No SDK on this path: the `openai` SDK spends about four times the CPU of a plain keep-alive request per call.
 */
import type OpenAI from 'openai';
import { ApiCallError } from '../../errors/api-call-error.ts';
import type { ModelRequest, ModelResult } from '../../model/language-model.ts';
import { requestJson } from '../fetch-json.ts';
import { serviceMessageOf } from '../service-message.ts';
import { toolCallsField } from '../tool-calls.ts';
import { chatChoiceOf, completionChoiceOf, openAIBodyParams, openAIInput } from './openai-body.ts';
import { logprobsField } from './openai-logprobs.ts';

/** Where an OpenAI-compatible model's calls go, and how they are let in. */
export interface OpenAIWire {
  /** Engine type named in the errors of a parameter (`openai`, `azure-openai`). */
  readonly engine: string;
  /** API root the method's path is appended to (`…/v1`, `…/openai/deployments/<name>`); errors name it. */
  readonly root: string;
  /** Appended to every URL (`?api-version=2024-10-21`); errors leave it out. @default '' */
  readonly query?: string;
  /** Sent with every request: the credential (`authorization`, `api-key`) and the block's own headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Per-request timeout, named when it fires. */
  readonly timeoutMs: number;
  /** Strings that never reach an error (API keys, header values). */
  readonly secrets: readonly (string | undefined)[];
}

/** The body of a chat or completion answer, as far as it is read. */
export interface OpenAIAnswer {
  readonly choices: readonly (OpenAI.ChatCompletion.Choice & OpenAI.Completions.CompletionChoice)[];
  readonly usage?: OpenAI.CompletionUsage | null;
}

function isAnswer(body: unknown): body is OpenAIAnswer {
  return typeof body === 'object' && body !== null && Array.isArray((body as { choices?: unknown }).choices);
}

/**
 * Sends one unstreamed chat (`chat/completions`) or completion (`completions`) request of `model` through `wire`.
 *
 * ## Example
 * ```ts
 * const wire = { engine: 'openai', root: 'http://127.0.0.1:8000/v1', headers: {}, timeoutMs: 60_000, secrets: [] };
 * const result = await generateWithOpenAI(wire, 'm', { method: 'chat', messages: [{ role: 'user', content: 'Hi' }] }, new AbortController().signal);
 * result.texts; // the answers
 * ```
 *
 * @throws {ApiCallError} naming the URL: an error answer, a timeout, a failed connection, or an answer without choices.
 * @throws {ConfigError} naming the block field of a parameter the method cannot send, before any request.
 */
export async function generateWithOpenAI(wire: OpenAIWire, model: string, request: ModelRequest, signal: AbortSignal): Promise<ModelResult> {
  const chat = request.method === 'chat';
  const body = openAIRequestBody(wire.engine, model, request);
  const url = `${wire.root}/${chat ? 'chat/completions' : 'completions'}`;
  const { body: answer, rateLimits } = await requestJson({
    url: `${url}${wire.query ?? ''}`,
    what: url,
    headers: wire.headers,
    body: JSON.stringify(body),
    signal,
    timeoutMs: wire.timeoutMs,
    errorMessageOf: serviceMessageOf,
    secrets: wire.secrets,
  });
  if (!isAnswer(answer)) throw new ApiCallError(`${url} answered without \`choices\`: not an OpenAI ${chat ? 'chat' : 'completion'} answer`, { url, isRetryable: false });
  const result = openAIResultOf(answer, chat);
  return rateLimits === undefined ? result : { ...result, headers: rateLimits };
}

/** The JSON body of a chat or completion request: what a direct call sends, and a batch line carries byte for byte. */
export function openAIRequestBody(engine: string, model: string, request: ModelRequest): Record<string, unknown> {
  return { model, ...openAIInput(request), ...openAIBodyParams(engine, request), stream: false };
}

/** A chat (`chat`) or completion answer as a result: its choices' texts, tool calls and log probabilities, and usage. */
export function openAIResultOf(answer: OpenAIAnswer, chat: boolean): ModelResult {
  let answers: Pick<ModelResult, 'texts' | 'toolCalls' | 'logprobs'>;
  if (chat) {
    const choices = answer.choices.map(chatChoiceOf);
    answers = { texts: choices.map((choice) => choice.text), ...toolCallsField(choices.map((choice) => choice.toolCalls)), ...logprobsField(choices.map((choice) => choice.logprobs)) };
  } else {
    const choices = answer.choices.map(completionChoiceOf);
    answers = { texts: choices.map((choice) => choice.text), ...logprobsField(choices.map((choice) => choice.logprobs)) };
  }
  return {
    ...answers,
    finishReason: answer.choices[0]?.finish_reason ?? undefined,
    usage: { promptTokens: answer.usage?.prompt_tokens ?? 0, completionTokens: answer.usage?.completion_tokens ?? 0 },
  };
}
