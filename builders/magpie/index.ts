import type { BuilderDefinition } from '../../lib/builder-registry.ts';
import { packagePath } from '../../lib/package-path.ts';
import { magpieTransformation } from './magpie-transformation.ts';

export { magpieSteps, magpieTransformation } from './magpie-transformation.ts';

/**
 * DGT's `magpie` transformation builder (`data_builder: magpie`): tags each record of a task (`question`/`answer`,
 * or a `messages` conversation) with Magpie's quality labels, finds near-duplicates by embedding, and keeps the
 * records that pass Magpie's filter. The embeddings come from `RXDGT_EMBEDDINGS_URL` (an OpenAI-compatible
 * endpoint; model `RXDGT_EMBEDDINGS_MODEL`, default DGT's `sentence_model`) or the `dedup` block's `embedding_config`.
 *
 * ## Example
 * ```yaml
 * # joint config: point the tagger at a local server, and the dedup block at its embeddings
 * databuilders:
 *   magpie:
 *     blocks:
 *       - { name: tagger, lm_config: { type: openai, base_url: http://localhost:8000/v1, model_id_or_path: granite } }
 *       - { name: dedup, embedding_config: { type: openai, base_url: http://localhost:8000/v1, model_id_or_path: all-mpnet } }
 * ```
 * `npx rxdgt run --task-paths samples/magpie --config-path config.yaml` writes `final_data.jsonl`: the records as
 * given, `is_seed: false`, with `magpie_tags` (`input_quality`, `judge_quality_score`, `difficulty`, ... each
 * `[{ <model>: <label> }]`, `repeat_count`, `min_neighbor_distance`, `min_similar_uuid`, `metadata`).
 */
export const magpie: BuilderDefinition = {
  name: 'magpie',
  kind: 'transformation',
  yamlPath: packagePath('builders', 'magpie', 'magpie.yaml'),
  create: (blocks) => magpieTransformation(blocks),
};

/** The builders of this folder, as the registry lists them. */
export const magpieBuilders: readonly BuilderDefinition[] = [magpie];
