import type { DataflowArtifact, DataflowEdge } from '../enrichments/graph-artifacts.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import { type Tool, qualifiedName } from '../tool.ts';
import { shuffled, weightedChoice } from './draws.ts';
import { stepsFrom } from './graph-steps.ts';
import { resolveK } from './resolve-k.ts';
import { SamplingError } from './sampling-error.ts';
import type { TopologySamplerConfig } from './topology-config.ts';
import type { SamplerOverrides, ToolSampler } from './tool-sampler.ts';

/** A sampled DAG: its tools in topological order, each one's depth, and the dataflow edges between them. */
export interface SampledDag {
  /** Sorted by depth (then by when they joined): every edge goes from an earlier tool to a later one. */
  readonly tools: readonly Tool[];
  /** Longest distance from the root, per tool (same order as `tools`): tools of one depth may run in parallel. */
  readonly depths: readonly number[];
  /** Indexes into `tools`, with the edge's score and matched parameter pairs. */
  readonly edges: readonly { readonly from: number; readonly to: number; readonly edge: DataflowEdge }[];
}

/** A `ToolSampler` that can also say how its tools connect. */
export interface DagToolSampler extends ToolSampler {
  sampleDag(random: () => number, overrides?: SamplerOverrides): SampledDag;
}

/**
 * `tc/dag`, which DGT documents ("connected DAG subgraph, topological order; tools at the same depth may run in
 * parallel") but has not built. Design: from a random root, grow a connected set of `k` tools along the `dataflow`
 * artifact's forward edges: at each step one edge is drawn, by score, among all edges from a chosen tool to an
 * unchosen one (so branches, chains and diamonds all occur). The DAG's edges are the edges that grew it plus every
 * other forward edge among the chosen tools that goes from an earlier-joined tool to a later one (which keeps it
 * acyclic, and lets a tool have several inputs: fan-in). Tools come back in topological order by depth (longest
 * path from the root). Roots are tried in random order; if none reaches `k`, a `SamplingError` with the largest
 * connected set found.
 *
 * ## Example
 * ```ts
 * const dag = dagToolSampler(registry, { k: 4 }).sampleDag(seededRandom(1));
 * dag.depths; // [0, 1, 1, 2]: the root, two parallel tools, one that consumes them
 * ```
 */
export function dagToolSampler(registry: ToolRegistry, config: TopologySamplerConfig = {}): DagToolSampler {
  const name = 'tc/dag';
  const sampleDag = (random: () => number, overrides: SamplerOverrides = {}): SampledDag => {
    const k = resolveK(name, config.k, overrides.k, 2);
    const minScore = overrides.min_score ?? config.min_score ?? 0;
    const namespace = overrides.namespace ?? config.namespace;
    const { out } = registry.artifacts.get('dataflow') as DataflowArtifact;
    const pool = registry.all().filter((tool) => namespace === undefined || tool.namespace === namespace);
    if (pool.length === 0) throw new SamplingError(namespace === undefined ? `${name}: the registry is empty` : `${name}: no tools in namespace '${namespace}'`, k, []);
    let best: Tool[] = [];
    for (const root of shuffled(random, pool)) {
      const chosen = [root];
      while (chosen.length < k) {
        const inSet = new Set(chosen.map(qualifiedName));
        const frontier = chosen.flatMap((source) => stepsFrom(registry, out, source, minScore, namespace).filter((step) => !inSet.has(qualifiedName(step.tool))));
        if (frontier.length === 0) break;
        chosen.push(weightedChoice(random, frontier, frontier.map((step) => step.edge.score)).tool);
      }
      if (chosen.length < k) {
        if (chosen.length > best.length) best = chosen;
        continue;
      }
      // Edges from an earlier-joined tool to a later one: join order is then a topological order.
      const joined = new Map(chosen.map((tool, index) => [qualifiedName(tool), index]));
      const edges: { from: number; to: number; edge: DataflowEdge }[] = [];
      chosen.forEach((source, from) => {
        for (const step of stepsFrom(registry, out, source, minScore, namespace)) {
          const to = joined.get(qualifiedName(step.tool));
          if (to !== undefined && to > from && !edges.some((known) => known.from === from && known.to === to)) edges.push({ from, to, edge: step.edge });
        }
      });
      const depth = new Array<number>(chosen.length).fill(0);
      for (const edge of [...edges].sort((left, right) => left.from - right.from)) depth[edge.to] = Math.max(depth[edge.to]!, depth[edge.from]! + 1);
      const order = chosen.map((_, index) => index).sort((left, right) => depth[left]! - depth[right]! || left - right);
      const position = new Map(order.map((index, at) => [index, at]));
      return {
        tools: order.map((index) => chosen[index]!),
        depths: order.map((index) => depth[index]!),
        edges: edges.map((edge) => ({ from: position.get(edge.from)!, to: position.get(edge.to)!, edge: edge.edge })),
      };
    }
    throw new SamplingError(`${name}: no tool reaches ${k} connected tools along dataflow edges with min_score=${minScore}`, k, best);
  };
  return { name, sampleDag, sample: (random, overrides) => [...sampleDag(random, overrides).tools] };
}
