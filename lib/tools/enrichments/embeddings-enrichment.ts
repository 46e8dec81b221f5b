import type { ToolRegistry } from '../tool-registry.ts';
import { qualifiedName } from '../tool.ts';
import { enrichmentEmbedder } from './enrichment-embedder.ts';
import type { EmbeddingsArtifact } from './graph-artifacts.ts';
import type { EnrichmentContext, ToolEnrichment } from './tool-enrichment.ts';
import { toolText } from './tool-text.ts';

/**
 * DGT's `embeddings` enrichment: embeds every tool's text (`toolText`) and stores the vectors as the `embeddings`
 * artifact, `[qualifiedName][fingerprint]`. Embeds through `embedding_config`, or the endpoint of
 * `RXDGT_EMBEDDINGS_URL` (see `enrichmentEmbedder`); vectors are cached by the embedding engine.
 *
 * ## Example
 * ```yaml
 * enrichments:
 *   - type: embeddings
 *     model: sentence-transformers/all-mpnet-base-v2
 * ```
 */
export function embeddingsEnrichment(config: { readonly model: string; readonly embedding_config?: unknown }, context: EnrichmentContext): ToolEnrichment {
  const embed = enrichmentEmbedder(config, context);
  return {
    type: 'embeddings',
    dependsOn: [],
    artifactKey: 'embeddings',
    async enrich(registry: ToolRegistry) {
      const tools = registry.all();
      const vectors = await embed(tools.map(toolText));
      const artifact: Record<string, Record<string, Float32Array>> = {};
      tools.forEach((tool, index) => {
        (artifact[qualifiedName(tool)] ??= {})[registry.fingerprintOf(tool)] = vectors[index]!;
      });
      registry.artifacts.set('embeddings', artifact satisfies EmbeddingsArtifact);
      return registry;
    },
  };
}
