import OpenAI from 'openai';
import { ConfigError } from '../../errors/config-error.ts';
import { credentialId } from '../../model/credential-id.ts';
import type { CallOptions, LanguageModel, ModelRequest, ModelResult } from '../../model/language-model.ts';
import type { CompletionRequest } from '../../model/completion-batcher.ts';
import { generateWithOpenAI } from './openai-shared.ts';
import { environmentUrl } from '../environment-url.ts';
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
  const fromEnvironment = (): string | undefined =>
    environmentUrl('OPENAI_BASE_URL', { engine: settings.provider ?? 'openai', field: 'base_url', remedy: 'credentials belong in `api_key` or OPENAI_API_KEY, not in the URL' });
  const baseURL = (settings.baseURL ?? fromEnvironment() ?? 'https://api.openai.com/v1').replace(/\/+$/, '');
  const apiKey = settings.apiKey ?? process.env['OPENAI_API_KEY'];
  // Local OpenAI-compatible servers take any key; OpenAI itself does not, so say so before any request.
  if (!apiKey && baseURL === 'https://api.openai.com/v1') {
    throw new ConfigError('openai: missing API key: set the OPENAI_API_KEY environment variable (or `api_key` in the block), or `base_url` for a local server', { field: 'api_key' });
  }
  const client = new OpenAI({
    baseURL,
    apiKey: apiKey ?? 'rxdgt-no-key',
    maxRetries: 0,
    timeout: settings.timeoutMs ?? 300_000,
    defaultHeaders: settings.headers ?? {},
  });
  const provider = settings.provider ?? 'openai';
  const modelId = settings.modelId;

  const timeoutMs = settings.timeoutMs ?? 300_000;
  const secrets = [apiKey];
  const doGenerate = (request: ModelRequest, { signal }: CallOptions): Promise<ModelResult> =>
    generateWithOpenAI(client, modelId, request, { root: baseURL, signal, timeoutMs, secrets });
  // One request carries every prompt; its answers are split back by prompt (choice i·n … i·n+n−1 belong to prompt i).
  const doGenerateBatch = async (requests: readonly CompletionRequest[], { signal }: CallOptions): Promise<readonly ModelResult[]> => {
    const [first] = requests;
    if (!first) return [];
    const batch = await generateWithOpenAI(client, modelId, { ...first, prompt: requests.map((request) => request.prompt) as unknown as string }, { root: baseURL, signal, timeoutMs, secrets });
    const perPrompt = first.n ?? 1;
    return requests.map((_request, index) => ({
      texts: batch.texts.slice(index * perPrompt, (index + 1) * perPrompt),
      finishReason: batch.finishReason,
      // The server reports usage for the whole request: each prompt carries its share.
      usage: { promptTokens: batch.usage.promptTokens / requests.length, completionTokens: batch.usage.completionTokens / requests.length },
      ...(batch.headers ? { headers: batch.headers } : {}),
    }));
  };

  return {
    specificationVersion: 'v1',
    provider,
    modelId,
    endpoint: baseURL,
    ...(apiKey ? { credential: credentialId(apiKey) as string } : {}),
    doGenerate,
    doGenerateBatch,
    probe: ({ signal }) => probeEndpoint(`${baseURL}/models`, signal),
  };
}
