import type { Tool } from '../tool.ts';

/** Tools grouped by namespace, in first-seen order. */
export function namespacePools(tools: readonly Tool[]): Map<string, Tool[]> {
  const pools = new Map<string, Tool[]>();
  for (const tool of tools) pools.set(tool.namespace, [...(pools.get(tool.namespace) ?? []), tool]);
  return pools;
}

/**
 * DGT's namespace distribution: probabilities over the namespaces that have tools. Without weights, `uniform` gives
 * each an equal share and `proportional` a share by size; with `namespace_weights`, the named namespaces (unknown
 * names ignored) keep their weights and the others get fill-in weights by `strategy` (1 each, or their size),
 * all normalised together.
 *
 * ## Example
 * ```ts
 * namespaceDistribution(pools, { a: 0.8 }, 'uniform', 'tc/random'); // Map { a => 0.8/1.8, b => 1/1.8 } with two namespaces
 * ```
 * @throws {Error} when the explicit weights of known namespaces are not positive in sum
 */
export function namespaceDistribution(
  pools: ReadonlyMap<string, readonly Tool[]>,
  weights: Readonly<Record<string, number>> | undefined,
  strategy: 'uniform' | 'proportional',
  samplerName: string,
): Map<string, number> {
  const fill = (namespace: string): number => (strategy === 'proportional' ? pools.get(namespace)!.length : 1);
  const combined = new Map<string, number>();
  if (weights && Object.keys(weights).length > 0) {
    const explicit = Object.entries(weights).filter(([namespace]) => pools.has(namespace));
    if (explicit.reduce((sum, [, weight]) => sum + weight, 0) <= 0) throw new Error(`${samplerName}: \`namespace_weights\` of known namespaces must be positive and sum to more than 0`);
    for (const namespace of pools.keys()) combined.set(namespace, weights[namespace] ?? fill(namespace));
  } else {
    for (const namespace of pools.keys()) combined.set(namespace, fill(namespace));
  }
  const total = [...combined.values()].reduce((sum, weight) => sum + weight, 0);
  return new Map([...combined].map(([namespace, weight]) => [namespace, weight / total]));
}
