/** Settings of the dataflow samplers `tc/chain`, `tc/fan_out`, `tc/fan_in` and `tc/dag` (DGT's names). */
export interface TopologySamplerConfig {
  /** Number of tools. */
  readonly k?: number | undefined;
  /** Least edge score an edge needs to be followed. @default 0 */
  readonly min_score?: number | undefined;
  /** Every tool from this namespace. */
  readonly namespace?: string | undefined;
}
