import OpenAI from 'openai';
import { ApiCallError } from '../../errors/api-call-error.ts';
import type { CallOptions, GenerationParams, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import { probeEndpoint } from '../probe-endpoint.ts';

/** Settings of an OpenAI-compatible engine (OpenAI, vLLM, llama.cpp server, LM Studio, TGI, Ollama's /v1). */
export interface OpenAISettings {
  /** Model name sent with every request (DGT's `model_id_or_path`). */
  readonly modelId: string;
  /** API root including `/v1`. @default process.env.OPENAI_BASE_URL ?? 'https://api.openai.com/v1' */
  readonly baseURL?: string;
  /** Bearer key. @default process.env.OPENAI_API_KEY, else a placeholder local servers accept */
  readonly apiKey?: string;
  /** Per-request timeout in ms (DGT's `timeout`, given there in seconds). @default 300000 */
  readonly timeoutMs?: number;
  /** Engine type named in errors, stats and the cache key. @default 'openai' */
  readonly provider?: string;
  /** Extra headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Body fields of one request, with DGT's parameter names mapped to OpenAI's. */
function bodyParams(params: GenerationParams): Record<string, unknown> {
  const body: Record<string, unknown> = { ...params.providerOptions };
  if (params.temperature !== undefined) body['temperature'] = params.temperature;
  if (params.maxTokens !== undefined) body['max_tokens'] = params.maxTokens;
  if (params.stop !== undefined) body['stop'] = params.stop;
  if (params.seed !== undefined) body['seed'] = params.seed;
  if (params.n !== undefined) body['n'] = params.n;
  if (params.topP !== undefined) body['top_p'] = params.topP;
  return body;
}

function toApiCallError(error: unknown, url: string): unknown {
  if (error instanceof OpenAI.APIUserAbortError) return error;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new ApiCallError(`request to ${url} timed out`, { url, statusCode: 408, cause: error });
  }
  if (error instanceof OpenAI.APIError) {
    const retryAfter = Number(error.headers?.get('retry-after'));
    return new ApiCallError(`${url} answered ${error.status ?? 'no status'}: ${error.message}`, {
      url,
      statusCode: error.status,
      retryAfterMs: Number.isFinite(retryAfter) && error.headers?.has('retry-after') ? retryAfter * 1000 : undefined,
      cause: error,
    });
  }
  return error;
}

/**
 * Creates a {@link LanguageModel} for any OpenAI-compatible server, through the official `openai` SDK
 * (its own retries are off: the engine retries). DGT block types `openai` and `vllm-remote`.
 *
 * ## Example
 * ```ts
 * import { createOpenAI, createEngine } from 'rxdgt';
 * const model = createOpenAI({ baseURL: 'http://127.0.0.1:8000/v1', modelId: 'm' });
 * const engine = createEngine(model, { callLimit: 64 });
 * ```
 */
export function createOpenAI(settings: OpenAISettings): LanguageModel {
  const baseURL = (settings.baseURL ?? process.env['OPENAI_BASE_URL'] ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const client = new OpenAI({
    baseURL,
    apiKey: settings.apiKey ?? process.env['OPENAI_API_KEY'] ?? 'rxdgt-no-key',
    maxRetries: 0,
    timeout: settings.timeoutMs ?? 300_000,
    defaultHeaders: settings.headers ?? {},
  });
  const provider = settings.provider ?? 'openai';
  const modelId = settings.modelId;

  async function doGenerate(request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> {
    const body = { model: modelId, ...bodyParams(request) };
    const url = `${baseURL}/${request.method === 'chat' ? 'chat/completions' : 'completions'}`;
    try {
      if (request.method === 'chat') {
        const response = await client.chat.completions.create(
          { ...body, messages: request.messages as OpenAI.ChatCompletionMessageParam[], stream: false } as OpenAI.ChatCompletionCreateParamsNonStreaming,
          { signal },
        );
        return {
          texts: response.choices.map((choice) => choice.message?.content ?? ''),
          finishReason: response.choices[0]?.finish_reason ?? undefined,
          usage: { promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: response.usage?.completion_tokens ?? 0 },
        };
      }
      const response = await client.completions.create(
        { ...body, prompt: request.prompt, stream: false } as OpenAI.CompletionCreateParamsNonStreaming,
        { signal },
      );
      return {
        texts: response.choices.map((choice) => choice.text ?? ''),
        finishReason: response.choices[0]?.finish_reason ?? undefined,
        usage: { promptTokens: response.usage?.prompt_tokens ?? 0, completionTokens: response.usage?.completion_tokens ?? 0 },
      };
    } catch (error) {
      throw toApiCallError(error, url);
    }
  }

  return {
    specificationVersion: 'v1',
    provider,
    modelId,
    endpoint: baseURL,
    doGenerate,
    probe: ({ signal }) => probeEndpoint(`${baseURL}/models`, signal),
  };
}
