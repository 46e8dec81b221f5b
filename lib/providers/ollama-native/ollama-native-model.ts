import { z } from 'zod';
import { ApiCallError } from '../../errors/api-call-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { parseConfig } from '../../parse-config.ts';
import { probeEndpoint } from '../probe-endpoint.ts';
import { fetchJson } from '../fetch-json.ts';
import { ollamaHostFromEnvironment, ollamaHostURL } from './ollama-host.ts';

/** Settings of a native Ollama engine. */
export interface OllamaNativeSettings {
  /** Model tag, e.g. `granite4:3b` (DGT's `model_id_or_path`). */
  readonly modelId: string;
  /** Ollama host; see {@link ollamaHostURL}. @default process.env.OLLAMA_HOST ?? 'http://localhost:11434' */
  readonly baseURL?: string;
  /** Per-request timeout in ms (DGT's `timeout`, given there in seconds). @default 300000 */
  readonly timeoutMs?: number;
}

const settingsSchema = z.object({
  modelId: z.string().min(1),
  baseURL: z.string().exactOptional(),
  timeoutMs: z.number().positive().exactOptional(),
});

/**
 * Ollama's model options (`api/types.go`). A `providerOptions` key among them goes into `options`, as does
 * everything in `providerOptions.options`; any other key (`keep_alive`, `think`, ...) goes into the body.
 */
const optionNames = new Set([
  'num_ctx', 'num_batch', 'num_gpu', 'main_gpu', 'use_mmap', 'num_thread', 'numa', 'num_keep', 'seed', 'num_predict', 'top_k',
  'top_p', 'min_p', 'typical_p', 'repeat_last_n', 'temperature', 'repeat_penalty', 'presence_penalty', 'frequency_penalty',
  'penalize_newline', 'stop', 'mirostat', 'mirostat_tau', 'mirostat_eta', 'tfs_z',
]);

/** The body fields besides the prompt: `options` with every generation option set, and `format` for a schema. */
function requestFields(request: ModelRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(request.providerOptions ?? {})) {
    if (key === 'options' && typeof value === 'object' && value !== null) Object.assign(options, value);
    else if (optionNames.has(key)) options[key] = value;
    else body[key] = value;
  }
  if (request.maxTokens !== undefined) options['num_predict'] = request.maxTokens;
  if (request.temperature !== undefined) options['temperature'] = request.temperature;
  if (request.topP !== undefined) options['top_p'] = request.topP;
  if (request.seed !== undefined) options['seed'] = request.seed;
  if (request.stop !== undefined) options['stop'] = request.stop;
  if (Object.keys(options).length > 0) body['options'] = options;
  if (request.responseFormat) body['format'] = request.responseFormat.schema;
  return body;
}

function ollamaErrorMessage(body: unknown): string | undefined {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** Text, `done_reason` and usage (`prompt_eval_count`, `eval_count`) of a non-streamed answer. */
function resultOf(body: unknown, text: unknown, what: string): ModelResult {
  if (typeof text !== 'string') {
    throw new ApiCallError(`${what} answered 200 without a text`, { url: what, statusCode: 200, isRetryable: false });
  }
  const { done_reason: doneReason, prompt_eval_count: promptTokens, eval_count: completionTokens } = body as Record<string, unknown>;
  return {
    texts: [text],
    finishReason: typeof doneReason === 'string' ? doneReason : undefined,
    usage: { promptTokens: count(promptTokens), completionTokens: count(completionTokens) },
  };
}

/**
 * Creates a {@link LanguageModel} for Ollama through its native API: `chat` requests go to `/api/chat`,
 * `completion` requests to `/api/generate`, unstreamed. Every generation option set is sent in `options`
 * (`num_predict`, `temperature`, `top_p`, `seed`, `stop`, and `num_ctx` or any other from `providerOptions`), in
 * completion mode too, where DGT sent none; a response format is sent as `format`. Ollama makes one answer per
 * request, so `n > 1` is refused. DGT block type `ollama`.
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
    const input = request.method === 'chat' ? { messages: request.messages } : { prompt: request.prompt };
    const body = await fetchJson({
      url: what,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...requestFields(request), model: modelId, ...input, stream: false }),
      signal,
      timeoutMs,
      errorMessageOf: ollamaErrorMessage,
    });
    const text = isChat ? (body as { message?: { content?: unknown } }).message?.content : (body as { response?: unknown }).response;
    return resultOf(body, text, what);
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
