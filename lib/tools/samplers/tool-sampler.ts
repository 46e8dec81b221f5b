import type { Tool } from '../tool.ts';

/** Per-call overrides of a sampler's settings (DGT's `sample(**kwargs)`); a sampler ignores those it does not take. */
export interface SamplerOverrides {
  readonly k?: number;
  readonly namespace?: string;
  readonly namespace_weights?: Readonly<Record<string, number>>;
  readonly strategy?: 'uniform' | 'proportional';
  readonly min_score?: number;
  readonly temperature?: number;
  readonly use_seed_namespace?: boolean;
}

/**
 * DGT's `ToolSampler`: picks the tools of one scenario from a registry. Its draws come from `random` only, so a
 * seeded source (`seededRandom(input.seed)`) repeats them. The order of the list means something for the topology
 * samplers: `tc/chain` A→B→C, `tc/fan_out` seed first, `tc/fan_in` sink last, `tc/dag` topological order.
 *
 * ## Example
 * ```ts
 * const sampler = createToolSampler({ type: 'tc/random', k: 3 }, registry, place);
 * sampler.sample(seededRandom(42)).map((tool) => tool.name); // the same three names on every run
 * ```
 * @throws {SamplingError} from `sample` when exactly `k` tools cannot be had (topology samplers) or the registry is empty
 */
export interface ToolSampler {
  /** The registered name (`tc/random`, ...), for stages that choose a prompt by topology. */
  readonly name: string;
  sample(random: () => number, overrides?: SamplerOverrides): Tool[];
}
