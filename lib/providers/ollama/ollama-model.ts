import type { LanguageModel } from '../../model/language-model.ts';
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
 * The host as Ollama users write it, normalised to a URL. As in Ollama's own client, `OLLAMA_HOST` may omit
 * the scheme, and then a missing port means 11434 (not 80) and a missing host means 127.0.0.1.
 */
function hostURL(host: string): string {
  const trimmed = host.trim().replace(/\/+$/, '').replace(/\/v1$/, '');
  if (/^https?:\/\//.test(trimmed)) return trimmed;
  const slash = trimmed.indexOf('/');
  const authority = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const path = slash === -1 ? '' : trimmed.slice(slash);
  const hostname = authority === '' || authority.startsWith(':') ? `127.0.0.1${authority}` : authority;
  return `http://${hostname}${/:\d+$/.test(hostname) ? '' : ':11434'}${path}`;
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
  const host = hostURL(settings.baseURL ?? (process.env['OLLAMA_HOST'] || 'http://localhost:11434'));
  return createOpenAI({
    modelId: settings.modelId,
    baseURL: `${host}/v1`,
    apiKey: 'ollama',
    provider: 'ollama',
    ...(settings.timeoutMs === undefined ? {} : { timeoutMs: settings.timeoutMs }),
  });
}
