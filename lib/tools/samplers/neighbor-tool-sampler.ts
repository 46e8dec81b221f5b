import type { NeighborsArtifact } from '../enrichments/graph-artifacts.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import { type Tool, qualifiedName } from '../tool.ts';
import { choose, weightedChoice } from './draws.ts';
import { stepsFrom } from './graph-steps.ts';
import { namespaceDistribution, namespacePools } from './namespace-distribution.ts';
import { resolveK } from './resolve-k.ts';
import { SamplingError } from './sampling-error.ts';
import type { SamplerOverrides, ToolSampler } from './tool-sampler.ts';

/** `tc/neighbor` settings (DGT's names). */
export interface NeighborSamplerConfig {
  readonly k?: number | undefined;
  /** Draw the seed from this namespace only. */
  readonly namespace?: string | undefined;
  readonly namespace_weights?: Readonly<Record<string, number>> | undefined;
  /** @default 'proportional' */
  readonly strategy?: 'uniform' | 'proportional' | undefined;
  /** Softmax temperature of the neighbour scores (> 0): lower favours the closest. @default 1 */
  readonly temperature?: number | undefined;
  /** Keep only tools of the seed's namespace. @default true */
  readonly use_seed_namespace?: boolean | undefined;
}

/** Expansion rounds of the neighbourhood around the seed (DGT's 2). */
const rounds = 2;

/**
 * DGT's `tc/neighbor` (experimental there too): a seed tool (a namespace drawn by the distribution, then a tool of
 * it), its neighbourhood on the `neighbors` artifact (the seed and the tools reachable in two expansion rounds,
 * each with the score of the edge that reached it first; the seed scores 1), kept to the seed's namespace unless
 * `use_seed_namespace: false`, then `k` of them drawn without replacement by softmax(score / temperature). A
 * neighbourhood smaller than `k` is returned whole.
 *
 * ## Example
 * ```yaml
 * sampler: { type: tc/neighbor, k: 15, min_score: 0.0 }
 * ```
 */
export function neighborToolSampler(registry: ToolRegistry, config: NeighborSamplerConfig = {}): ToolSampler {
  const name = 'tc/neighbor';
  return {
    name,
    sample(random: () => number, overrides: SamplerOverrides = {}): Tool[] {
      const k = resolveK(name, config.k, overrides.k);
      const temperature = overrides.temperature ?? config.temperature ?? 1;
      if (!(temperature > 0)) throw new Error(`${name}: \`temperature\` must be above 0, got ${temperature}`);
      const tools = registry.all();
      if (tools.length === 0) throw new SamplingError(`${name}: the registry is empty`, k, []);
      const pools = namespacePools(tools);
      const namespace = overrides.namespace ?? config.namespace;
      let seed: Tool;
      if (namespace !== undefined) {
        const pool = pools.get(namespace);
        if (!pool) throw new SamplingError(`${name}: namespace '${namespace}' has no tools`, k, []);
        seed = choose(random, pool);
      } else {
        const distribution = namespaceDistribution(pools, overrides.namespace_weights ?? config.namespace_weights, overrides.strategy ?? config.strategy ?? 'proportional', name);
        seed = choose(random, pools.get(weightedChoice(random, [...distribution.keys()], [...distribution.values()]))!);
      }
      if (k === 1) return [seed];
      const index = registry.artifacts.get('neighbors') as NeighborsArtifact;
      const found = new Map<string, { tool: Tool; score: number }>();
      let frontier = [{ tool: seed, score: 1 }];
      for (let round = 0; round < rounds; round += 1) {
        for (const entry of frontier) if (!found.has(qualifiedName(entry.tool))) found.set(qualifiedName(entry.tool), entry);
        frontier = frontier.flatMap((entry) => stepsFrom(registry, index, entry.tool, Number.NEGATIVE_INFINITY, undefined).map((step) => ({ tool: step.tool, score: step.edge.score })));
      }
      const keepAll = (overrides.use_seed_namespace ?? config.use_seed_namespace ?? true) === false;
      let remaining = [...found.values()].filter((entry) => keepAll || entry.tool.namespace === seed.namespace);
      if (remaining.length <= k) return remaining.map((entry) => entry.tool);
      const selected: Tool[] = [];
      while (selected.length < k) {
        const top = Math.max(...remaining.map((entry) => entry.score / temperature));
        const pick = weightedChoice(random, remaining, remaining.map((entry) => Math.exp(entry.score / temperature - top)));
        selected.push(pick.tool);
        remaining = remaining.filter((entry) => entry !== pick);
      }
      return selected;
    },
  };
}
