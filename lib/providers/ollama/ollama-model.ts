import type { LanguageModel } from '../../model/language-model.ts';
import { ollamaHostFromEnvironment, ollamaHostURL } from '../ollama-native/ollama-host.ts';
import { createOpenAI } from '../openai/openai-model.ts';

/** Settings of an Ollama engine. */
export interface OllamaSettings {
  /** Model tag, e.g. `granite4:3b` (DGT's `model_id_or_path`). */
  readonly modelId: string;
  /** Ollama host. @default process.env.OLLAMA_HOST ?? 'http://localhost:11434' */
  readonly baseURL?: string;
  /** Per-request timeout in ms. @default 300000 */
  readonly timeoutMs?: number;
}

/**
 * Creates a {@link LanguageModel} for Ollama through its OpenAI-compatible `/v1` endpoints. DGT block
 * type `ollama`, the default engine of DGT's sample builders.
 *
 * ## Example
 * ```ts
 * import { createOllama } from 'rxdgt';
 * const model = createOllama({ modelId: 'granite4:3b' }); // http://localhost:11434/v1
 * ```
 */
export function createOllama(settings: OllamaSettings): LanguageModel {
  // An empty OLLAMA_HOST means the default, as it does for Ollama itself.
  const host = ollamaHostURL(settings.baseURL ?? (ollamaHostFromEnvironment() || 'http://localhost:11434'));
  return createOpenAI({
    modelId: settings.modelId,
    baseURL: `${host}/v1`,
    apiKey: 'ollama',
    provider: 'ollama',
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
  });
}
