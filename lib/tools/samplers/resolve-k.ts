/** The `k` of one draw: the call's, else the config's; at least `minimum`. @throws {Error} naming the sampler otherwise */
export function resolveK(samplerName: string, configured: number | undefined, override: number | undefined, minimum = 1): number {
  const k = override ?? configured;
  if (k === undefined) throw new Error(`${samplerName}: \`k\` must be set in the sampler config or passed to sample()`);
  if (!Number.isInteger(k) || k < minimum) throw new Error(`${samplerName}: \`k\` must be an integer of at least ${minimum}, got ${k}`);
  return k;
}
