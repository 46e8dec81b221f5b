import { z } from 'zod';
import { zodIssueToConfigError } from '../../config/zod-issue.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import { chainToolSampler } from './chain-tool-sampler.ts';
import { dagToolSampler } from './dag-tool-sampler.ts';
import { fanToolSampler } from './fan-tool-sampler.ts';
import { neighborToolSampler } from './neighbor-tool-sampler.ts';
import { randomToolSampler } from './random-tool-sampler.ts';
import type { ToolSampler } from './tool-sampler.ts';

const k = z.number().int().min(1).optional();
const weights = z.record(z.string(), z.number().min(0)).optional();
const strategy = z.enum(['uniform', 'proportional']).optional();
const topology = { k, min_score: z.number().optional(), namespace: z.string().min(1).optional() };

/** Each sampler: its settings, the artifacts (enrichments) it needs, and how it is made. */
const samplers = {
  'tc/random': { schema: z.strictObject({ type: z.literal('tc/random'), k, namespace: z.string().min(1).optional(), namespace_weights: weights, strategy }), needs: [], make: randomToolSampler },
  'tc/chain': { schema: z.strictObject({ type: z.literal('tc/chain'), ...topology }), needs: ['dataflow'], make: chainToolSampler },
  'tc/fan_out': { schema: z.strictObject({ type: z.literal('tc/fan_out'), ...topology }), needs: ['dataflow'], make: (registry: ToolRegistry, config: object) => fanToolSampler(registry, 'out', config) },
  'tc/fan_in': { schema: z.strictObject({ type: z.literal('tc/fan_in'), ...topology }), needs: ['dataflow'], make: (registry: ToolRegistry, config: object) => fanToolSampler(registry, 'in', config) },
  'tc/dag': { schema: z.strictObject({ type: z.literal('tc/dag'), ...topology }), needs: ['dataflow'], make: dagToolSampler },
  'tc/neighbor': {
    schema: z.strictObject({
      type: z.literal('tc/neighbor'),
      k,
      namespace: z.string().min(1).optional(),
      namespace_weights: weights,
      strategy,
      temperature: z.number().gt(0).optional(),
      use_seed_namespace: z.boolean().optional(),
      // DGT's task files pass `min_score` to tc/neighbor, which ignores it.
      min_score: z.number().optional(),
    }),
    needs: ['neighbors'],
    make: neighborToolSampler,
  },
} as const;

/** The sampler names DGT registers (and `tc/dag`). */
export const samplerTypes = Object.keys(samplers) as readonly (keyof typeof samplers)[];

/**
 * Creates a sampler from its config (`{ type: tc/random, k: 8, ... }`, as a `sampler_mix` entry's `sampler` holds it)
 * over a registry whose enrichments have run.
 *
 * ## Example
 * ```ts
 * const sampler = createToolSampler({ type: 'tc/chain', k: 3 }, registry, { file: 'task.yaml', field: 'initialization_stages.1.sampler_mix.0.sampler' });
 * ```
 * @throws {ConfigError} naming the file and the field: an unknown `type` (listing the known ones), a bad setting, or
 *   an artifact the sampler needs that no enrichment made (naming the enrichment to add)
 */
export function createToolSampler(config: unknown, registry: ToolRegistry, place: { readonly file: string | undefined; readonly field: string }): ToolSampler {
  const type = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['type'] : undefined;
  const entry = typeof type === 'string' && Object.hasOwn(samplers, type) ? samplers[type as keyof typeof samplers] : undefined;
  if (!entry) {
    throw new ConfigError(`unknown tool sampler ${JSON.stringify(type ?? null)}: expected one of ${samplerTypes.join(', ')}`, { file: place.file, field: `${place.field}.type` });
  }
  const parsed = entry.schema.safeParse(config);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, place.file, { fieldPrefix: place.field });
  const missing = entry.needs.filter((key) => !registry.artifacts.has(key));
  if (missing.length > 0) {
    throw new ConfigError(`sampler \`${String(type)}\` needs the ${missing.map((key) => `\`${key}\``).join(', ')} artifact: add \`- type: ${missing[0]}\` to \`tools.enrichments\``, { file: place.file, field: `${place.field}.type` });
  }
  return (entry.make as (registry: ToolRegistry, config: object) => ToolSampler)(registry, parsed.data);
}
