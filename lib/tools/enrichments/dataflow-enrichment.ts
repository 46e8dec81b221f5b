import type { ToolRegistry } from '../tool-registry.ts';
import { qualifiedName } from '../tool.ts';
import { enrichmentEmbedder } from './enrichment-embedder.ts';
import type { DataflowArtifact, DataflowEdge, ParameterPair } from './graph-artifacts.ts';
import type { EnrichmentContext, ToolEnrichment } from './tool-enrichment.ts';
import { parameterText } from './tool-text.ts';
import { cosine } from './vectors.ts';

type Parameter = { readonly name: string; readonly info: Readonly<Record<string, unknown>>; vector?: Float32Array };

function parametersOf(schema: Readonly<Record<string, unknown>>): Parameter[] {
  const properties = schema['properties'];
  if (typeof properties !== 'object' || properties === null) return [];
  return Object.entries(properties).map(([name, info]) => ({ name, info: typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : {} }));
}

/**
 * DGT's type compatibility of an output parameter feeding an input parameter, a factor in [0, 1]: array to
 * non-array 0; two objects 0.9 when their declared properties overlap, 0 when they do not, 0.7 when either
 * declares none; same scalar type 1; integer and number 0.8; any other pair 0.
 */
export function typeFactor(output: Readonly<Record<string, unknown>>, input: Readonly<Record<string, unknown>>): number {
  const outType = typeof output['type'] === 'string' ? output['type'] : '';
  const inType = typeof input['type'] === 'string' ? input['type'] : '';
  if ((outType === 'array') !== (inType === 'array')) return 0;
  if (outType === 'object' && inType === 'object') {
    const keys = (schema: Readonly<Record<string, unknown>>): string[] => Object.keys((schema['properties'] as object | undefined) ?? {});
    const [outKeys, inKeys] = [keys(output), keys(input)];
    if (outKeys.length > 0 && inKeys.length > 0) return outKeys.some((key) => inKeys.includes(key)) ? 0.9 : 0;
    return 0.7;
  }
  if (outType === inType) return 1;
  return (outType === 'integer' && inType === 'number') || (outType === 'number' && inType === 'integer') ? 0.8 : 0;
}

const round = (value: number): number => Math.round(value * 1e4) / 1e4;

/**
 * DGT's `dataflow` enrichment: an edge A→B when an output parameter of A can feed an input parameter of B. Each
 * parameter (name, type, description) is embedded; a pair scores cosine × `typeFactor`; the edge scores its best
 * pair and keeps every pair above 0, best first. Writes the `dataflow` artifact: `out` (successors of each tool,
 * the best `max_neighbors` per namespace) and `in` (predecessors, built from `out`, pairs reversed). Tools without
 * output parameters have no successors: run `output_parameters` first for tools that lack them.
 *
 * ## Example
 * ```yaml
 * enrichments:
 *   - type: output_parameters
 *     lm_config: { type: openai, model_id_or_path: gpt-4o-mini }
 *   - type: dataflow
 * ```
 */
export function dataflowEnrichment(config: { readonly model: string; readonly max_neighbors: number; readonly embedding_config?: unknown }, context: EnrichmentContext): ToolEnrichment {
  const embed = enrichmentEmbedder(config, context);
  return {
    type: 'dataflow',
    dependsOn: [],
    artifactKey: 'dataflow',
    async enrich(registry: ToolRegistry) {
      const tools = registry.all().map((tool) => ({ tool, outputs: parametersOf(tool.outputParameters), inputs: parametersOf(tool.parameters) }));
      const all = tools.flatMap((entry) => [...entry.outputs, ...entry.inputs]);
      const vectors = await embed(all.map((parameter) => parameterText(parameter.name, parameter.info, true)));
      all.forEach((parameter, index) => (parameter.vector = vectors[index]!));
      const out: Record<string, Record<string, Record<string, DataflowEdge[]>>> = {};
      const reverse: Record<string, Record<string, Record<string, DataflowEdge[]>>> = {};
      for (const source of tools) {
        const buckets: Record<string, DataflowEdge[]> = {};
        for (const target of tools) {
          if (target === source || source.outputs.length === 0 || target.inputs.length === 0) continue;
          const pairs: ParameterPair[] = [];
          for (const output of source.outputs) {
            for (const input of target.inputs) {
              const score = cosine(output.vector!, input.vector!) * typeFactor(output.info, input.info);
              if (score > 0) pairs.push({ output: output.name, input: input.name, score: round(score) });
            }
          }
          if (pairs.length === 0) continue;
          pairs.sort((left, right) => right.score - left.score);
          (buckets[target.tool.namespace] ??= []).push({ name: target.tool.name, fingerprint: registry.fingerprintOf(target.tool), score: pairs[0]!.score, pairs });
        }
        for (const namespace of Object.keys(buckets)) buckets[namespace] = buckets[namespace]!.sort((left, right) => right.score - left.score).slice(0, config.max_neighbors);
        (out[qualifiedName(source.tool)] ??= {})[registry.fingerprintOf(source.tool)] = buckets;
        for (const [namespace, edges] of Object.entries(buckets)) {
          for (const edge of edges) {
            const bucket = (((reverse[`${namespace}::${edge.name}`] ??= {})[edge.fingerprint] ??= {})[source.tool.namespace] ??= []);
            bucket.push({ name: source.tool.name, fingerprint: registry.fingerprintOf(source.tool), score: edge.score, pairs: edge.pairs.map((pair) => ({ output: pair.input, input: pair.output, score: pair.score })) });
          }
        }
      }
      for (const byFingerprint of Object.values(reverse)) {
        for (const byNamespace of Object.values(byFingerprint)) {
          for (const namespace of Object.keys(byNamespace)) byNamespace[namespace] = byNamespace[namespace]!.sort((left, right) => right.score - left.score).slice(0, config.max_neighbors);
        }
      }
      registry.artifacts.set('dataflow', { out, in: reverse } satisfies DataflowArtifact);
      return registry;
    },
  };
}
