import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import type { CompletionRequest } from '../../model/completion-batcher.ts';
import { openAIConnection } from './openai-connection.ts';
import { type OpenAIWire, generateWithOpenAI } from './openai-shared.ts';

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

/**
 * Creates a {@link LanguageModel} for any OpenAI-compatible server, on pooled keep-alive connections (the engine
 * retries). DGT block types `openai` and `vllm-remote`. Every parameter is sent
 * under OpenAI's name, vLLM's extensions (`top_k`, `skip_special_tokens`) too; chat takes tools and returns tool calls;
 * `logprobs` come back per answer token.
 *
 * ## Example
 * ```ts
 * import { createOpenAI, createEngine } from 'rxdgt';
 * const model = createOpenAI({ baseURL: 'http://127.0.0.1:8000/v1', modelId: 'm' });
 * const engine = createEngine(model, { callLimit: 64 });
 * ```
 */
export function createOpenAI(settings: OpenAISettings): LanguageModel {
  const { provider, baseURL, headers, timeoutMs, secrets, identity } = openAIConnection(settings, 'openai');
  const modelId = settings.modelId;
  const wire: OpenAIWire = { engine: provider, root: baseURL, headers, timeoutMs, secrets };
  const doGenerate = (request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> => generateWithOpenAI(wire, modelId, request, signal);
  // One request carries every prompt; its answers are split back by prompt (choice i·n … i·n+n−1 belong to prompt i).
  const doGenerateBatch = async (requests: readonly CompletionRequest[], { signal }: CallOptions): Promise<readonly ModelResult[]> => {
    const [first] = requests;
    if (!first) return [];
    const batch = await generateWithOpenAI(wire, modelId, { ...first, prompt: requests.map((request) => request.prompt) as unknown as string }, signal);
    const perPrompt = first.n ?? 1;
    return requests.map((_request, index) => ({
      texts: batch.texts.slice(index * perPrompt, (index + 1) * perPrompt),
      ...(batch.logprobs ? { logprobs: batch.logprobs.slice(index * perPrompt, (index + 1) * perPrompt) } : {}),
      finishReason: batch.finishReason,
      // The server reports usage for the whole request: each prompt carries its share.
      usage: { promptTokens: batch.usage.promptTokens / requests.length, completionTokens: batch.usage.completionTokens / requests.length },
      ...(batch.headers ? { headers: batch.headers } : {}),
    }));
  };

  return { ...identity, doGenerate, doGenerateBatch };
}
