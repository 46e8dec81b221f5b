import { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';
import { deepMerge } from './deep-merge.ts';
import { readYamlFile } from './yaml-file.ts';
import { zodIssueToConfigError } from './zod-issue.ts';

/** One block of a builder: `name` and `type`, plus the block's own kwargs, passed through untouched. */
export const blockConfigSchema = z.looseObject({ name: z.string().min(1), type: z.string().min(1) });

/** A configured block. */
export type BlockConfig = z.output<typeof blockConfigSchema>;

/** A postprocessor: the `name` of a block to run over all data, plus call kwargs. */
export const postprocessorConfigSchema = z.looseObject({ name: z.string().min(1) });

/** A configured postprocessor. */
export type PostprocessorConfig = z.output<typeof postprocessorConfigSchema>;

const builderSpecShape = {
  /** Registered builder name, e.g. `public/examples/geography_qa`. */
  name: z.string().min(1),
  /** Block names are unique. */
  blocks: z.array(blockConfigSchema).superRefine((blocks, context) => {
    const seen = new Set<string>();
    blocks.forEach((block, index) => {
      if (seen.has(block.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `duplicate block name \`${block.name}\`` });
      seen.add(block.name);
    });
  }),
  postprocessors: z.array(postprocessorConfigSchema).default([]),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** A builder without code (beyond DGT): the names of the blocks each record flows through, in order. */
  pipeline: z.array(z.string().min(1)).min(1).optional(),
  /** What a `pipeline:` builder takes: seed batches (`generation`) or records (`transformation`). */
  kind: z.enum(['generation', 'transformation']).optional(),
  /**
   * DGT builder kwargs (`ConcurrentGenerationDataBuilder`'s `max_workers` and `items_per_worker`, the base builder's
   * `max_stalled_attempts`), accepted so DGT builder YAMLs and joint configs load. rxdgt ignores them: they have no
   * meaning in its reactive runner.
   */
  max_workers: z.int().min(1).optional(),
  items_per_worker: z.int().min(1).optional(),
  max_stalled_attempts: z.int().min(1).optional(),
};

/** A DGT builder YAML; unknown top-level keys are errors. A `pipeline` names blocks of the builder, and needs a `kind`. */
export const builderSpecSchema = z.strictObject(builderSpecShape).superRefine((spec, context) => {
  if (spec.pipeline === undefined) {
    if (spec.kind !== undefined) context.addIssue({ code: 'custom', path: ['kind'], message: '`kind` belongs to a `pipeline:` builder; this builder has no `pipeline`' });
    return;
  }
  if (spec.kind === undefined) context.addIssue({ code: 'custom', path: ['kind'], message: 'a `pipeline:` builder needs `kind: generation` or `kind: transformation`' });
  const names = new Set(spec.blocks.map((block) => block.name));
  spec.pipeline.forEach((name, index) => {
    if (!names.has(name)) {
      const known = [...names].map((known) => `\`${known}\``).join(', ') || 'none';
      context.addIssue({ code: 'custom', path: ['pipeline', index], message: `no block named \`${name}\` (the builder's blocks: ${known})` });
    }
  });
});

/** A validated builder YAML. */
export type BuilderSpec = z.output<typeof builderSpecSchema>;

/** The builder schema plus a builder's own top-level fields (DGT subclass fields such as `max_workers`). */
export function builderSpecSchemaWith<Extra extends z.ZodRawShape>(extra: Extra) {
  return z.strictObject({ ...builderSpecShape, ...extra });
}

/**
 * Reads and validates a builder YAML (with a builder's own fields, `schema` from {@link builderSpecSchemaWith}).
 *
 * @throws {ConfigError} naming the file and the field path
 */
export async function loadBuilderSpec(path: string, schema: z.ZodType<BuilderSpec> = builderSpecSchema): Promise<BuilderSpec> {
  const parsed = schema.safeParse(await readYamlFile(path));
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, path);
  return parsed.data;
}

/**
 * Changes to a builder from a joint config's `databuilders.<name>`: `blocks` matched by `name`, `postprocessors`
 * replaced as a whole, and any other builder-level key (`max_workers`, `metadata`, ...) as DGT applies it.
 */
export interface BuilderOverride {
  readonly blocks?: readonly ({ readonly name: string } & Readonly<Record<string, unknown>>)[] | undefined;
  readonly postprocessors?: readonly PostprocessorConfig[] | undefined;
  readonly [key: string]: unknown;
}

/**
 * Applies `override` to `base` as DGT's builder index does: each override block is deep-merged into the base block
 * of the same name (keys the override leaves out stay, even when it changes `type`; a `null` clears a key), and a
 * block the builder lacks is appended (it must then give a `type`). A given `postprocessors` list replaces the base
 * one. Any other key replaces the builder's, mappings merging key by key; keys new to the builder are added (DGT
 * builder kwargs such as `max_workers` are kept on the spec; rxdgt gives them no meaning).
 *
 * ## Example
 * ```ts
 * const base = { name: 'qa', blocks: [{ name: 'generator', type: 'ollama', model_id_or_path: 'granite' }], postprocessors: [] };
 * mergeBuilderSpec(base, { blocks: [{ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini' }], max_workers: 8 });
 * // { name: 'qa', blocks: [{ name: 'generator', type: 'openai', model_id_or_path: 'gpt-4o-mini' }], postprocessors: [], max_workers: 8 }
 * ```
 *
 * @throws {ConfigError} when an appended block has no `type`
 */
export function mergeBuilderSpec<Spec extends BuilderSpec>(
  base: Spec,
  override: BuilderOverride,
  where: { file?: string | undefined; field?: string | undefined } = {},
): Spec {
  const { blocks: blockChanges, postprocessors: postprocessorList, ...builderKeys } = override;
  const blocks: BlockConfig[] = base.blocks.map((block) => ({ ...block }));
  (blockChanges ?? []).forEach((change, index) => {
    const target = blocks.findIndex((block) => block.name === change.name);
    if (target !== -1) {
      blocks[target] = deepMerge(blocks[target]!, change) as BlockConfig;
      return;
    }
    const added = deepMerge({}, change);
    if (typeof added['type'] !== 'string' || added['type'] === '') {
      const known = blocks.map((block) => `\`${block.name}\``).join(', ') || 'none';
      const field = `${where.field === undefined ? '' : `${where.field}.`}blocks.${index}.type`;
      throw new ConfigError(`builder \`${base.name}\` has no block \`${change.name}\` (its blocks: ${known}), so this block is added and needs a \`type\``, { file: where.file, field });
    }
    blocks.push(added as BlockConfig);
  });
  const postprocessors = postprocessorList === undefined ? base.postprocessors : postprocessorList.map((entry) => ({ ...entry }));
  return { ...deepMerge(base, builderKeys), blocks, postprocessors } as Spec;
}
