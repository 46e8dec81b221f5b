import { ConfigError } from '../errors/config-error.ts';
import { hasUrlUserinfo } from '../redact-url.ts';

/** The variable naming an OpenAI-compatible embeddings endpoint (its API root, with `/v1`). */
export const embeddingsUrlVariable = 'RXDGT_EMBEDDINGS_URL';
/** The variable naming the model asked of that endpoint. */
export const embeddingsModelVariable = 'RXDGT_EMBEDDINGS_MODEL';

/** The `embedding_config` {@link embeddingConfigFromEnv} makes: an `openai` engine at the endpoint. */
export interface EnvironmentEmbeddingConfig {
  readonly type: 'openai';
  readonly base_url: string;
  readonly model_id_or_path: string;
}

/**
 * The `embedding_config` of a block whose DGT config names a local model (`sentence_model`), from the environment:
 * an `openai` engine at `RXDGT_EMBEDDINGS_URL`, asking for `RXDGT_EMBEDDINGS_MODEL`, else `defaultModel` (the name
 * in the block's file); undefined when `RXDGT_EMBEDDINGS_URL` is unset or blank.
 *
 * ## Example
 * ```ts
 * embeddingConfigFromEnv('sentence-transformers/all-mpnet-base-v2', { RXDGT_EMBEDDINGS_URL: 'http://localhost:8080/v1' });
 * // { type: 'openai', base_url: 'http://localhost:8080/v1', model_id_or_path: 'sentence-transformers/all-mpnet-base-v2' }
 * ```
 * @throws {ConfigError} naming the variable when it is not an http(s) URL, or holds a user name or password
 */
export function embeddingConfigFromEnv(defaultModel: string, env: Readonly<Record<string, string | undefined>> = process.env): EnvironmentEmbeddingConfig | undefined {
  const url = env[embeddingsUrlVariable]?.trim();
  if (!url) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    throw new ConfigError(`\`${embeddingsUrlVariable}\` must be an http(s) URL such as http://localhost:8080/v1, received ${JSON.stringify(url.slice(0, 80))}`, { field: embeddingsUrlVariable });
  }
  if (hasUrlUserinfo(url)) {
    throw new ConfigError(`\`${embeddingsUrlVariable}\` holds a user name or password: put the key in OPENAI_API_KEY instead`, { field: embeddingsUrlVariable });
  }
  const model = env[embeddingsModelVariable]?.trim();
  return { type: 'openai', base_url: url.replace(/\/+$/, ''), model_id_or_path: model || defaultModel };
}
