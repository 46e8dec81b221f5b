import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { probeEndpoint } from '../probe-endpoint.ts';
import { fetchJson } from '../fetch-json.ts';
import { chatLogprobsOf, logprobsField } from '../openai/openai-logprobs.ts';
import { toolCallsField } from '../tool-calls.ts';
import { ollamaBody, ollamaToolCalls } from './ollama-native-body.ts';
import { ollamaHostFromEnvironment, ollamaHostURL } from './ollama-host.ts';

/** Settings of a native Ollama engine. */
export interface OllamaNativeSettings {
  /** Model tag, e.g. `granite4:3b` (DGT's `model_id_or_path`). */
  readonly modelId: string;
  /** Ollama host; see {@link ollamaHostURL}. @default process.env.OLLAMA_HOST ?? 'http://localhost:11434' */
  readonly baseURL?: string;
  /** Per-request timeout in ms (DGT's `timeout`, given there in seconds). @default 300000 */
  readonly timeoutMs?: number;
  /** Extra headers sent with every request (DGT's `default_headers`), e.g. for a proxy in front of Ollama. */
  readonly headers?: Readonly<Record<string, string>>;
}

const settingsSchema = z.object({
  modelId: z.string().min(1),
  baseURL: z.string().exactOptional(),
  timeoutMs: z.number().positive().exactOptional(),
  headers: z.record(z.string(), z.string()).exactOptional(),
});

function ollamaErrorMessage(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Text, tool calls, log probabilities, `done_reason` and usage (`prompt_eval_count`, `eval_count`) of a non-streamed answer. */
function resultOf(body: unknown, isChat: boolean, what: string): ModelResult {
  const message = (body as { message?: { content?: unknown } }).message;
  const text = isChat ? message?.content : (body as { response?: unknown }).response;
  const toolCalls = isChat ? ollamaToolCalls(message) : [];
  // A message of tool calls alone may come without any content.
  if (typeof text !== 'string' && toolCalls.length === 0) {
    throw new ApiCallError(`${what} answered 200 without a text`, { url: what, statusCode: 200, isRetryable: false });
  }
  const { done_reason: doneReason, prompt_eval_count: promptTokens, eval_count: completionTokens, logprobs } = body as Record<string, unknown>;
  return {
    texts: [typeof text === 'string' ? text : ''],
    ...toolCallsField([toolCalls]),
    ...logprobsField([chatLogprobsOf(logprobs)]),
    finishReason: typeof doneReason === 'string' ? doneReason : undefined,
    usage: { promptTokens: count(promptTokens), completionTokens: count(completionTokens) },
  };
}

/**
 * Creates a {@link LanguageModel} for Ollama through its native API: `chat` requests go to `/api/chat`,
 * `completion` requests to `/api/generate`, unstreamed. Every generation option set is sent in `options`
 * (`num_predict`, `temperature`, `top_p`, `seed`, `stop`, and `num_ctx` or any other from `providerOptions`), in
 * completion mode too, where DGT sent none (`top_k`, `frequency_penalty` and `presence_penalty` among them); a response
 * format is sent as `format` (JSON mode as `format: 'json'`), `reasoning_effort` as `think`, `logprobs` and
 * `top_logprobs` as they are. Chat takes tools (Ollama cannot force a call: `tool_choice` `required` or a named
 * function is refused) and returns tool calls. Ollama makes one answer per request, so `n > 1` is refused. DGT
 * block type `ollama`.
 *
 * ## Example
 * ```ts
 * import { createOllamaNative } from 'rxdgt';
 * const model = createOllamaNative({ modelId: 'granite4:3b' }); // http://localhost:11434/api/chat
 * await model.doGenerate({ method: 'completion', prompt: 'Q:', maxTokens: 64, providerOptions: { num_ctx: 8192 } }, { signal });
 * ```
 *
 * @throws {ConfigError} for bad settings; from `doGenerate`, for `n > 1`, before any request.
 */
export function createOllamaNative(settings: OllamaNativeSettings): LanguageModel {
  const config = parseConfig('ollama', settingsSchema, settings);
  // An empty OLLAMA_HOST means the default, as it does for Ollama itself.
  const host = ollamaHostURL(config.baseURL || ollamaHostFromEnvironment() || 'http://localhost:11434');
  const timeoutMs = config.timeoutMs ?? 300_000;
  const modelId = config.modelId;

  async function doGenerate(request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> {
    if (request.n !== undefined && request.n > 1) {
      throw new ConfigError(`ollama: invalid config at \`n\`: expected 1 (Ollama makes one answer per request), received ${request.n}`, { field: 'n' });
    }
    const isChat = request.method === 'chat';
    const what = `${host}/api/${isChat ? 'chat' : 'generate'}`;
    const body = await fetchJson({
      url: what,
      headers: { ...config.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ...ollamaBody(request), model: modelId, stream: false }),
      signal,
      timeoutMs,
      errorMessageOf: ollamaErrorMessage,
      secrets: Object.values(config.headers ?? {}),
    });
    return resultOf(body, isChat, what);
  }

  return {
    specificationVersion: 'v1',
    provider: 'ollama',
    modelId,
    endpoint: host,
    doGenerate,
    probe: ({ signal }) => probeEndpoint(`${host}/api/version`, signal),
  };
}
