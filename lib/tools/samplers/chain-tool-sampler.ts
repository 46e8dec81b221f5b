import type { DataflowArtifact } from '../enrichments/graph-artifacts.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import { type Tool, qualifiedName } from '../tool.ts';
import { choose, weightedChoice } from './draws.ts';
import { stepsFrom } from './graph-steps.ts';
import { resolveK } from './resolve-k.ts';
import { SamplingError } from './sampling-error.ts';
import type { TopologySamplerConfig } from './topology-config.ts';
import type { SamplerOverrides, ToolSampler } from './tool-sampler.ts';

/**
 * DGT's `tc/chain`: a linear dataflow chain A→B→C of `k` tools, by a random walk on the `dataflow` artifact's forward
 * index from a random first tool, each next tool drawn among the unvisited successors with probability
 * proportional to its edge score. A dead end is a `SamplingError` carrying the chain so far.
 *
 * ## Example
 * ```yaml
 * sampler: { type: tc/chain, k: 3, min_score: 0.5 }
 * ```
 */
export function chainToolSampler(registry: ToolRegistry, config: TopologySamplerConfig = {}): ToolSampler {
  const name = 'tc/chain';
  return {
    name,
    sample(random: () => number, overrides: SamplerOverrides = {}): Tool[] {
      const k = resolveK(name, config.k, overrides.k);
      const minScore = overrides.min_score ?? config.min_score ?? 0;
      const namespace = overrides.namespace ?? config.namespace;
      const { out } = registry.artifacts.get('dataflow') as DataflowArtifact;
      const pool = registry.all().filter((tool) => namespace === undefined || tool.namespace === namespace);
      if (pool.length === 0) throw new SamplingError(namespace === undefined ? `${name}: the registry is empty` : `${name}: no tools in namespace '${namespace}'`, k, []);
      const chain = [choose(random, pool)];
      while (chain.length < k) {
        const current = chain[chain.length - 1]!;
        const steps = stepsFrom(registry, out, current, minScore, namespace);
        if (steps.length === 0) throw new SamplingError(`${name}: dead end at tool '${qualifiedName(current)}' after ${chain.length} step(s); cannot reach k=${k}`, k, chain);
        const visited = new Set(chain.map(qualifiedName));
        const fresh = steps.filter((step) => !visited.has(qualifiedName(step.tool)));
        if (fresh.length === 0) throw new SamplingError(`${name}: all successors of '${qualifiedName(current)}' are already in the chain`, k, chain);
        chain.push(weightedChoice(random, fresh, fresh.map((step) => step.edge.score)).tool);
      }
      return chain;
    },
  };
}
