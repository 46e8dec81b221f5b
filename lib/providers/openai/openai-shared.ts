/**
 * What the engines on the `openai` SDK share (`openai`, `vllm-remote`, `azure-openai`, `vllm-server`): one chat or
 * completion call (its body is `openai-body.ts`'s), and the answer. The error and header helpers at the end serve every
 * Stainless-generated SDK (`openai`, `@anthropic-ai/sdk`), whose error classes have the same shape.
 */
import OpenAI from 'openai';
import { ApiCallError } from '../../errors/api-call-error.ts';
import type { ModelRequest, ModelResult } from '../../model/language-model.ts';
import { redact, retryAfterMs } from '../fetch-json.ts';
import { toolCallsField } from '../tool-calls.ts';
import { chatChoiceOf, completionChoiceOf, openAIBodyParams, openAIInput } from './openai-body.ts';
import { logprobsField } from './openai-logprobs.ts';

/** Where one call goes and what its errors may not show. */
export interface SdkCallContext {
  /** Engine type named in the errors of a parameter (`openai`, `azure-openai`). */
  readonly engine: string;
  /** API root the method's path is appended to (`…/v1`, `…/openai/deployments/<name>`); errors name it. */
  readonly root: string;
  readonly signal: AbortSignal;
  /** The client's timeout, named when it fires. */
  readonly timeoutMs: number;
  /** Strings that never reach an error (API keys, header values). */
  readonly secrets: readonly (string | undefined)[];
}

/**
 * Sends one unstreamed chat (`chat/completions`) or completion (`completions`) request through `client`. `engine`
 * names the engine in the errors of a parameter it cannot send.
 */
export async function generateWithOpenAI(client: OpenAI, model: string, request: ModelRequest, context: SdkCallContext): Promise<ModelResult> {
  const body = { model, ...openAIInput(request), ...openAIBodyParams(context.engine, request), stream: false };
  const { signal } = context;
  const url = `${context.root}/${request.method === 'chat' ? 'chat/completions' : 'completions'}`;
  try {
    if (request.method === 'chat') {
      const params = body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
      const { data, response } = await client.chat.completions.create(params, { signal }).withResponse();
      const choices = data.choices.map(chatChoiceOf);
      const answers = { texts: choices.map((choice) => choice.text), ...toolCallsField(choices.map((choice) => choice.toolCalls)), ...logprobsField(choices.map((choice) => choice.logprobs)) };
      return resultOf(answers, data.choices[0]?.finish_reason, data.usage, response.headers);
    }
    const params = body as unknown as OpenAI.CompletionCreateParamsNonStreaming;
    const { data, response } = await client.completions.create(params, { signal }).withResponse();
    const choices = data.choices.map(completionChoiceOf);
    const answers = { texts: choices.map((choice) => choice.text), ...logprobsField(choices.map((choice) => choice.logprobs)) };
    return resultOf(answers, data.choices[0]?.finish_reason, data.usage, response.headers);
  } catch (error) {
    throw sdkErrorToApiCallError(error, OpenAI, { ...context, url });
  }
}

function resultOf(
  answers: Pick<ModelResult, 'texts' | 'toolCalls' | 'logprobs'>,
  finishReason: string | null | undefined,
  usage: OpenAI.CompletionUsage | undefined,
  headers: Headers,
): ModelResult {
  const rateLimits = rateLimitHeadersOf(headers);
  return {
    ...answers,
    finishReason: finishReason ?? undefined,
    usage: { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0 },
    ...(rateLimits === undefined ? {} : { headers: rateLimits }),
  };
}

/** The rate-limit headers of a response (`x-ratelimit-*`, `anthropic-ratelimit-*`), lower-cased; undefined when none. */
export function rateLimitHeadersOf(headers: Headers | undefined): Record<string, string> | undefined {
  const picked: Record<string, string> = {};
  let found = false;
  headers?.forEach((value, name) => {
    if (name.startsWith('x-ratelimit-') || name.startsWith('anthropic-ratelimit-')) {
      picked[name] = value;
      found = true;
    }
  });
  return found ? picked : undefined;
}

/** An SDK error of a response: the status, the response headers and the parsed body. */
interface SdkApiError extends Error {
  readonly status: number | undefined;
  readonly headers: Headers | undefined;
  readonly error: unknown;
}

/** The error classes a Stainless-generated SDK puts on its client class (`OpenAI`, `Anthropic`). */
export interface SdkErrorClasses {
  readonly APIError: abstract new (...args: never[]) => SdkApiError;
  readonly APIUserAbortError: abstract new (...args: never[]) => Error;
  readonly APIConnectionTimeoutError: abstract new (...args: never[]) => Error;
}

/** The service's own words: OpenAI's `{ error: { code, message } }` or Anthropic's `{ error: { type, message } }`. */
function serviceMessageOf(error: SdkApiError): string {
  const body = (typeof error.error === 'object' && error.error !== null ? error.error : {}) as Record<string, unknown>;
  const detail = (typeof body['error'] === 'object' && body['error'] !== null ? body['error'] : body) as Record<string, unknown>;
  const message = typeof detail['message'] === 'string' ? detail['message'] : error.message.replace(/^\d{3} /, '');
  const kind = [detail['code'], detail['type']].find((value) => typeof value === 'string' && value !== '' && !/^\d+$/.test(value));
  return kind === undefined ? message : `${String(kind)}: ${message}`;
}

/** `Retry-After` in ms, preferring the exact `retry-after-ms` that OpenAI and Azure send. */
function retryAfterOf(headers: Headers | undefined): number | undefined {
  const exact = headers?.get('retry-after-ms');
  if (exact != null && exact.trim() !== '' && Number.isFinite(Number(exact)) && Number(exact) >= 0) return Number(exact);
  return retryAfterMs(headers?.get('retry-after') ?? null);
}

/** The error and its causes, as undici nests them: `Connection error. (fetch failed: connect ECONNREFUSED …)`. */
function reasonOf(error: Error): string {
  const causes: string[] = [];
  for (let cause = error.cause; cause instanceof Error && causes.length < 3; cause = cause.cause) causes.push(cause.message);
  return causes.length === 0 ? error.message : `${error.message} (${causes.join(': ')})`;
}

/**
 * Turns an SDK failure into an {@link ApiCallError} naming `url`, with the status, `Retry-After` and rate-limit
 * headers; secrets are redacted from the message, and an SDK error that holds one is not kept as `cause`. An abort
 * is returned as it is, and so is anything that is not an SDK error.
 */
export function sdkErrorToApiCallError(
  error: unknown,
  sdk: SdkErrorClasses,
  context: { readonly url: string; readonly timeoutMs: number; readonly secrets: readonly (string | undefined)[] },
): unknown {
  const { url, secrets } = context;
  // Plain booleans, not type guards: the SDK classes share one shape, so each guard would narrow away the next.
  const is = (type: abstract new (...args: never[]) => unknown): boolean => error instanceof type;
  if (is(sdk.APIUserAbortError) || !is(sdk.APIError)) return error;
  const apiError = error as SdkApiError;
  if (is(sdk.APIConnectionTimeoutError)) {
    return new ApiCallError(`request to ${url} timed out after ${context.timeoutMs} ms`, { url, statusCode: 408, cause: error });
  }
  if (apiError.status === undefined) return new ApiCallError(redact(`request to ${url} failed: ${reasonOf(apiError)}`, secrets), { url, cause: error });
  const dump = `${apiError.message} ${JSON.stringify(apiError.error ?? null)}`;
  const leaks = secrets.some((secret) => secret !== undefined && secret !== '' && dump.includes(secret));
  return new ApiCallError(redact(`${url} answered ${apiError.status}: ${serviceMessageOf(apiError)}`, secrets), {
    url,
    statusCode: apiError.status,
    retryAfterMs: retryAfterOf(apiError.headers),
    headers: rateLimitHeadersOf(apiError.headers),
    ...(leaks ? {} : { cause: error }),
  });
}
