import { firstValueFrom } from 'rxjs';
import { ConfigError } from '../../errors/config-error.ts';
import type { EmbeddingEngine } from '../../model/embedding-engine.ts';
import { embeddingConfigFromEnv, embeddingsModelVariable, embeddingsUrlVariable } from '../../model/embeddings-from-env.ts';
import type { EnrichmentContext } from './tool-enrichment.ts';

/** DGT's default sentence-transformers model of its embedding enrichments. */
export const defaultEmbeddingModel = 'sentence-transformers/all-mpnet-base-v2';

/**
 * The embedding engine of an enrichment: its `embedding_config` when it has one, else an OpenAI-compatible endpoint
 * from `RXDGT_EMBEDDINGS_URL` asking for `RXDGT_EMBEDDINGS_MODEL` or the enrichment's `model` (DGT names a local
 * sentence-transformers model, which rxdgt does not run). Returns a function embedding texts in order.
 *
 * ## Example
 * ```ts
 * const embed = enrichmentEmbedder({ model: 'sentence-transformers/all-mpnet-base-v2' }, context);
 * const vectors = await embed(['Tool "get_weather".']);
 * ```
 * @throws {ConfigError} naming the file and the enrichment's field, saying what to set, when neither is there
 */
export function enrichmentEmbedder(config: { readonly model: string; readonly embedding_config?: unknown }, context: EnrichmentContext): (texts: readonly string[]) => Promise<readonly Float32Array[]> {
  const file = context.file ?? 'the task';
  let engine: EmbeddingEngine;
  if (config.embedding_config !== undefined) {
    engine = context.embedder(config.embedding_config, { file, field: `${context.field}.embedding_config`, name: 'tool_embeddings' });
  } else {
    const fromEnv = embeddingConfigFromEnv(config.model, context.env ?? process.env);
    if (!fromEnv) {
      throw new ConfigError(
        `this enrichment embeds tools with \`${config.model}\`, a local sentence-transformers model rxdgt does not run: set ${embeddingsUrlVariable} to an OpenAI-compatible embeddings endpoint (and ${embeddingsModelVariable} to its model, default \`${config.model}\`), or give the enrichment an \`embedding_config\` (type: openai, ollama, ...)`,
        { file: context.file, field: `${context.field}.model` },
      );
    }
    engine = context.embedder(fromEnv, { file, field: `${context.field}.model`, name: 'tool_embeddings' });
  }
  return async (texts) => (texts.length === 0 ? [] : (await firstValueFrom(engine.embed(texts))).vectors);
}
