import type { ToolRegistry } from '../tool-registry.ts';
import type { Tool } from '../tool.ts';
import { drawWithoutReplacement } from './draws.ts';
import { namespaceDistribution, namespacePools } from './namespace-distribution.ts';
import { resolveK } from './resolve-k.ts';
import { SamplingError } from './sampling-error.ts';
import type { SamplerOverrides, ToolSampler } from './tool-sampler.ts';

/** `tc/random` settings (DGT's names). */
export interface RandomSamplerConfig {
  readonly k?: number | undefined;
  /** Draw from this namespace only (weights and strategy are then ignored). */
  readonly namespace?: string | undefined;
  /** Relative weights of some namespaces; the others share the rest by `strategy`. */
  readonly namespace_weights?: Readonly<Record<string, number>> | undefined;
  /** @default 'proportional' */
  readonly strategy?: 'uniform' | 'proportional' | undefined;
}

/** Largest-remainder allocation of `k` slots by probability (ties to the namespace seen first). */
function allocate(probabilities: ReadonlyMap<string, number>, k: number): Map<string, number> {
  const quotas = [...probabilities].map(([namespace, probability]) => ({ namespace, quota: probability * k, slots: Math.floor(probability * k) }));
  let left = k - quotas.reduce((sum, entry) => sum + entry.slots, 0);
  for (const entry of [...quotas].sort((a, b) => b.quota - b.slots - (a.quota - a.slots))) {
    if (left-- <= 0) break;
    entry.slots += 1;
  }
  return new Map(quotas.map((entry) => [entry.namespace, entry.slots]));
}

/**
 * DGT's `tc/random`: `k` tools at random. With `namespace`, from that namespace only; otherwise the `k` slots are
 * shared out over namespaces by their distribution (largest remainder), a namespace's excess going to the others
 * until all are full, then each namespace's tools are drawn without replacement. Fewer tools than `k`: all of them.
 *
 * ## Example
 * ```yaml
 * sampler: { type: tc/random, k: 8, namespace_weights: { weather_api: 0.8 }, strategy: uniform }
 * ```
 */
export function randomToolSampler(registry: ToolRegistry, config: RandomSamplerConfig = {}): ToolSampler {
  const name = 'tc/random';
  return {
    name,
    sample(random: () => number, overrides: SamplerOverrides = {}): Tool[] {
      const k = resolveK(name, config.k, overrides.k);
      const namespace = overrides.namespace ?? config.namespace;
      const tools = registry.all();
      if (tools.length === 0) throw new SamplingError(`${name}: the registry is empty`, k, []);
      if (namespace !== undefined) {
        const pool = tools.filter((tool) => tool.namespace === namespace);
        if (pool.length === 0) throw new SamplingError(`${name}: namespace '${namespace}' has no tools`, k, []);
        return drawWithoutReplacement(random, pool, Math.min(k, pool.length));
      }
      const pools = namespacePools(tools);
      const active = namespaceDistribution(pools, overrides.namespace_weights ?? config.namespace_weights, overrides.strategy ?? config.strategy ?? 'proportional', name);
      const slots = new Map([...pools.keys()].map((key) => [key, 0]));
      let remaining = k;
      while (remaining > 0 && active.size > 0) {
        const total = [...active.values()].reduce((sum, weight) => sum + weight, 0);
        const allocated = allocate(new Map([...active].map(([key, weight]) => [key, weight / total])), remaining);
        let overflow = 0;
        let exhausted = false;
        for (const [key, count] of allocated) {
          const room = pools.get(key)!.length - slots.get(key)!;
          const taken = Math.min(count, room);
          overflow += count - taken;
          slots.set(key, slots.get(key)! + taken);
          if (slots.get(key)! >= pools.get(key)!.length) {
            active.delete(key);
            exhausted = true;
          }
        }
        remaining = overflow;
        if (!exhausted) break;
      }
      const selected: Tool[] = [];
      for (const [key, count] of slots) {
        for (const tool of drawWithoutReplacement(random, pools.get(key)!, count)) if (!selected.some((chosen) => chosen.name === tool.name)) selected.push(tool);
      }
      return selected;
    },
  };
}
