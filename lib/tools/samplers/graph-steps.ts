import type { DataflowEdge, GraphEdge, GraphIndex } from '../enrichments/graph-artifacts.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import { type Tool, qualifiedName } from '../tool.ts';

/** A neighbouring tool and the edge that leads to it. */
export interface Step<Edge extends GraphEdge = DataflowEdge> {
  readonly tool: Tool;
  readonly edge: Edge;
}

/**
 * The tools an index links `tool` to (its successors in a forward index, predecessors in a reverse one), with edge
 * score ≥ `minScore`, in `namespace` when set; edges to tools no longer registered are skipped.
 */
export function stepsFrom<Edge extends GraphEdge>(registry: ToolRegistry, index: GraphIndex<Edge>, tool: Tool, minScore: number, namespace: string | undefined): Step<Edge>[] {
  const buckets = index[qualifiedName(tool)]?.[registry.fingerprintOf(tool)] ?? {};
  const steps: Step<Edge>[] = [];
  for (const [bucket, edges] of Object.entries(buckets)) {
    if (namespace !== undefined && bucket !== namespace) continue;
    for (const edge of edges) {
      if (edge.score < minScore) continue;
      const target = registry.byFingerprint(`${bucket}::${edge.name}`, edge.fingerprint);
      if (target) steps.push({ tool: target, edge });
    }
  }
  return steps;
}
