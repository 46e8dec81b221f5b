import { z } from 'zod';
import { zodIssueToConfigError } from '../../config/zod-issue.ts';
import { ConfigError } from '../../errors/config-error.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import { dataflowEnrichment } from './dataflow-enrichment.ts';
import { defaultEmbeddingModel } from './enrichment-embedder.ts';
import { embeddingsEnrichment } from './embeddings-enrichment.ts';
import { neighborsEnrichment } from './neighbors-enrichment.ts';
import { outputParametersEnrichment } from './output-parameters-enrichment.ts';
import type { EnrichmentContext, ToolEnrichment } from './tool-enrichment.ts';

const embedding = {
  model: z.string().min(1).default(defaultEmbeddingModel),
  /** rxdgt's: the embedding engine to use in place of the local model DGT names. */
  embedding_config: z.unknown().optional(),
  /** DGT's cache bypass; the embedding engine's cache holds vectors by text, so there is nothing to bypass. */
  force: z.boolean().optional(),
};

/** What each type needs and makes, known before any is created (so a missing dependency is reported first). */
const enrichments = {
  output_parameters: { needs: [], makes: undefined, schema: z.strictObject({ type: z.literal('output_parameters'), lm_config: z.looseObject({ type: z.string().min(1) }), force: z.boolean().optional() }), make: outputParametersEnrichment },
  embeddings: { needs: [], makes: 'embeddings', schema: z.strictObject({ type: z.literal('embeddings'), ...embedding }), make: embeddingsEnrichment },
  neighbors: {
    needs: ['embeddings'],
    makes: 'neighbors',
    schema: z.strictObject({ type: z.literal('neighbors'), ...embedding, max_candidates: z.number().int().min(1).default(50), max_neighbors: z.number().int().min(1).default(10) }),
    make: neighborsEnrichment,
  },
  dataflow: { needs: [], makes: 'dataflow', schema: z.strictObject({ type: z.literal('dataflow'), ...embedding, max_neighbors: z.number().int().min(1).default(10) }), make: dataflowEnrichment },
} as const;

/** The enrichment types DGT registers. */
export const enrichmentTypes = Object.keys(enrichments) as readonly (keyof typeof enrichments)[];

/**
 * Creates the task's enrichments (`tools.enrichments`) and runs them in dependency order (DGT's topological sort:
 * the YAML order need not match), those that change tools (`output_parameters`) first, giving back the enriched
 * registry.
 *
 * ## Example
 * ```ts
 * const enriched = await runEnrichments([{ type: 'neighbors' }, { type: 'embeddings' }], registry, context); // embeddings runs first
 * ```
 * @throws {ConfigError} naming the file and the entry's field: an unknown type, a bad field, a dependency no entry
 *   provides (naming the enrichment to add), a cycle; missing embedding settings (see `enrichmentEmbedder`)
 */
export async function runEnrichments(configs: readonly unknown[], registry: ToolRegistry, context: Omit<EnrichmentContext, 'field'> & { readonly field: string }): Promise<ToolRegistry> {
  const entries = configs.map((config, index) => {
    const field = `${context.field}.${index}`;
    const type = (config as { type?: unknown }).type;
    const entry = typeof type === 'string' && Object.hasOwn(enrichments, type) ? enrichments[type as keyof typeof enrichments] : undefined;
    if (!entry) throw new ConfigError(`unknown tool enrichment ${JSON.stringify(type ?? null)}: expected one of ${enrichmentTypes.join(', ')}`, { file: context.file, field: `${field}.type` });
    const parsed = entry.schema.safeParse(config);
    if (!parsed.success) throw zodIssueToConfigError(parsed.error, context.file, { fieldPrefix: field });
    return { entry, type: type as string, config: parsed.data, field };
  });
  const provided = new Set<string>([...registry.artifacts.keys(), ...entries.flatMap(({ entry }) => (entry.makes ? [entry.makes] : []))]);
  for (const { entry, type, field } of entries) {
    const missing = (entry.needs as readonly string[]).find((key) => !provided.has(key));
    if (missing) throw new ConfigError(`enrichment \`${type}\` needs the \`${missing}\` artifact: add \`- type: ${missing}\` to \`tools.enrichments\``, { file: context.file, field: `${field}.type` });
  }
  const made = entries.map(({ entry, config, field }) => ({ enrichment: (entry.make as (config: object, context: EnrichmentContext) => ToolEnrichment)(config, { ...context, field }), field }));
  // Passes that change tools (`output_parameters`) go before those that read them, then each as its inputs exist.
  made.sort((left, right) => Number(left.enrichment.artifactKey !== undefined) - Number(right.enrichment.artifactKey !== undefined));
  let current = registry;
  const pending = [...made];
  while (pending.length > 0) {
    const ready = pending.findIndex(({ enrichment }) => enrichment.dependsOn.every((key) => current.artifacts.has(key)));
    if (ready < 0) throw new ConfigError(`tool enrichments depend on each other in a cycle: ${pending.map(({ enrichment }) => enrichment.type).join(', ')}`, { file: context.file, field: context.field });
    const [{ enrichment }] = pending.splice(ready, 1) as [{ enrichment: ToolEnrichment; field: string }];
    current = await enrichment.enrich(current);
  }
  return current;
}
