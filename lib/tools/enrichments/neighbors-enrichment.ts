import type { ToolRegistry } from '../tool-registry.ts';
import { type Tool, qualifiedName } from '../tool.ts';
import { enrichmentEmbedder } from './enrichment-embedder.ts';
import type { EmbeddingsArtifact, GraphEdge, NeighborsArtifact } from './graph-artifacts.ts';
import type { EnrichmentContext, ToolEnrichment } from './tool-enrichment.ts';
import { parameterText } from './tool-text.ts';
import { cosine, sum } from './vectors.ts';

function propertyEntries(schema: Readonly<Record<string, unknown>>): [string, unknown][] {
  const properties = schema['properties'];
  return typeof properties === 'object' && properties !== null ? Object.entries(properties) : [];
}

/**
 * DGT's `neighbors` enrichment (experimental there): for each tool A and each namespace, the tools B whose inputs
 * look able to take A's outputs. Pass 1 keeps the `max_candidates` tools of the namespace closest to A by their
 * `embeddings` vectors; pass 2 scores each by the cosine of A's vector plus its output-parameter vectors against
 * B's vector plus its input-parameter vectors, and keeps the best `max_neighbors`. Needs the `embeddings` artifact.
 *
 * ## Example
 * ```yaml
 * enrichments:
 *   - type: embeddings
 *   - type: neighbors
 *     max_neighbors: 10
 * ```
 */
export function neighborsEnrichment(
  config: { readonly model: string; readonly max_candidates: number; readonly max_neighbors: number; readonly embedding_config?: unknown },
  context: EnrichmentContext,
): ToolEnrichment {
  const embed = enrichmentEmbedder(config, context);
  return {
    type: 'neighbors',
    dependsOn: ['embeddings'],
    artifactKey: 'neighbors',
    async enrich(registry: ToolRegistry) {
      const tools = registry.all();
      const embeddings = registry.artifacts.get('embeddings') as EmbeddingsArtifact;
      const vectorOf = (tool: Tool): Float32Array => embeddings[qualifiedName(tool)]![registry.fingerprintOf(tool)]!;
      const sentences: string[] = [];
      const slots = tools.map((tool) => {
        const take = (entries: [string, unknown][]): number[] => entries.map(([name, info]) => sentences.push(parameterText(name, info, false)) - 1);
        return { inputs: take(propertyEntries(tool.parameters)), outputs: take(propertyEntries(tool.outputParameters)) };
      });
      const vectors = await embed(sentences);
      const source = tools.map((tool, index) => sum([vectorOf(tool), ...slots[index]!.outputs.map((at) => vectors[at]!)]));
      const target = tools.map((tool, index) => sum([vectorOf(tool), ...slots[index]!.inputs.map((at) => vectors[at]!)]));
      const artifact: Record<string, Record<string, Record<string, GraphEdge[]>>> = {};
      const namespaces = registry.namespaces();
      tools.forEach((tool, from) => {
        const buckets: Record<string, GraphEdge[]> = {};
        const own = vectorOf(tool);
        for (const namespace of namespaces) {
          // Each candidate's similarity once, not twice per comparison of the sort.
          const candidates = tools
            .map((other, to) => ({ other, to }))
            .filter(({ other, to }) => to !== from && other.namespace === namespace)
            .map((candidate) => ({ ...candidate, similarity: cosine(own, vectorOf(candidate.other)) }))
            .sort((left, right) => right.similarity - left.similarity)
            .slice(0, config.max_candidates);
          if (candidates.length === 0) continue;
          buckets[namespace] = candidates
            .map(({ other, to }) => ({ name: other.name, fingerprint: registry.fingerprintOf(other), score: Math.round(cosine(source[from]!, target[to]!) * 1e4) / 1e4 }))
            .sort((left, right) => right.score - left.score)
            .slice(0, config.max_neighbors);
        }
        (artifact[qualifiedName(tool)] ??= {})[registry.fingerprintOf(tool)] = buckets;
      });
      registry.artifacts.set('neighbors', artifact satisfies NeighborsArtifact);
      return registry;
    },
  };
}
