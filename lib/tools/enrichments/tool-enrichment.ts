import type { Engine } from '../../model/engine.ts';
import type { EmbeddingEngine } from '../../model/embedding-engine.ts';
import type { ToolRegistry } from '../tool-registry.ts';

/** What enrichments may use: where their entry was written, and how to build the models their configs name. */
export interface EnrichmentContext {
  readonly file: string | undefined;
  /** Dotted path of the enrichment entry (`tools.enrichments.1`). */
  readonly field: string;
  /** The LM engine of an `lm_config` (an LM block config). */
  lmEngine(config: unknown, field: string): Engine;
  /** The embedding engine of an `embedding_config` block. */
  embedder(config: unknown, place: { readonly file: string; readonly field: string; readonly name?: string }): EmbeddingEngine;
  /** Where `RXDGT_EMBEDDINGS_URL` / `RXDGT_EMBEDDINGS_MODEL` are read. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * DGT's `ToolEnrichment`: a pass over the registry after loading. It may write an artifact
 * (`registry.artifacts.set(artifactKey, ...)`) or give back a registry of changed tools (`output_parameters`).
 * `dependsOn` names artifacts that must exist first; `runEnrichments` orders passes by them.
 */
export interface ToolEnrichment {
  readonly type: string;
  readonly dependsOn: readonly string[];
  readonly artifactKey: string | undefined;
  enrich(registry: ToolRegistry): Promise<ToolRegistry>;
}
