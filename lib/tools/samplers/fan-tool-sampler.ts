import type { DataflowArtifact } from '../enrichments/graph-artifacts.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import { type Tool, qualifiedName } from '../tool.ts';
import { shuffled, weightedChoice } from './draws.ts';
import { type Step, stepsFrom } from './graph-steps.ts';
import { resolveK } from './resolve-k.ts';
import { SamplingError } from './sampling-error.ts';
import type { TopologySamplerConfig } from './topology-config.ts';
import type { SamplerOverrides, ToolSampler } from './tool-sampler.ts';

/**
 * DGT's `tc/fan_out` (`direction: 'out'`) and `tc/fan_in` (`'in'`): one hub and `k − 1` distinct neighbours on the
 * `dataflow` artifact, drawn by edge score without replacement. Fan-out: a seed and the successors it feeds, seed
 * first. Fan-in: the predecessors that feed a sink, sink last. Hubs are tried in random order until one has
 * enough neighbours; none: a `SamplingError` with no tools.
 *
 * ## Example
 * ```yaml
 * sampler: { type: tc/fan_out, k: 4 }
 * ```
 */
export function fanToolSampler(registry: ToolRegistry, direction: 'out' | 'in', config: TopologySamplerConfig = {}): ToolSampler {
  const name = direction === 'out' ? 'tc/fan_out' : 'tc/fan_in';
  const role = direction === 'out' ? 'successor' : 'predecessor';
  return {
    name,
    sample(random: () => number, overrides: SamplerOverrides = {}): Tool[] {
      const k = resolveK(name, config.k, overrides.k, 2);
      const minScore = overrides.min_score ?? config.min_score ?? 0;
      const namespace = overrides.namespace ?? config.namespace;
      const index = (registry.artifacts.get('dataflow') as DataflowArtifact)[direction];
      const pool = registry.all().filter((tool) => namespace === undefined || tool.namespace === namespace);
      if (pool.length === 0) throw new SamplingError(namespace === undefined ? `${name}: the registry is empty` : `${name}: no tools in namespace '${namespace}'`, k, []);
      for (const hub of shuffled(random, pool)) {
        let remaining: Step[] = stepsFrom(registry, index, hub, minScore, namespace).filter((step) => qualifiedName(step.tool) !== qualifiedName(hub));
        if (remaining.length < k - 1) continue;
        const chosen: Tool[] = [];
        for (let count = 0; count < k - 1; count += 1) {
          const pick = weightedChoice(random, remaining, remaining.map((step) => step.edge.score)).tool;
          chosen.push(pick);
          remaining = remaining.filter((step) => qualifiedName(step.tool) !== qualifiedName(pick));
        }
        return direction === 'out' ? [hub, ...chosen] : [...chosen, hub];
      }
      throw new SamplingError(`${name}: no tool has at least ${k - 1} ${role}(s) with min_score=${minScore}`, k, []);
    },
  };
}
