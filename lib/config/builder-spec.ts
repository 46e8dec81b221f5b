import { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';
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
 * Reads and validates a builder YAML.
 *
 * @throws {ConfigError} naming the file and the field path
 */
export async function loadBuilderSpec(path: string): Promise<BuilderSpec> {
  const parsed = builderSpecSchema.safeParse(await readYamlFile(path));
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, path);
  return parsed.data;
}

/** Changes to a builder from a joint config: blocks matched by `name`, postprocessors replaced as a whole. */
export interface BuilderOverride {
  readonly blocks?: readonly ({ readonly name: string } & Readonly<Record<string, unknown>>)[] | undefined;
  readonly postprocessors?: readonly PostprocessorConfig[] | undefined;
}

/**
 * Applies `override` to `base`: each override block is shallow-merged into the base block of the same name (keys
 * the override leaves out stay, even when it changes `type`). A given `postprocessors` list replaces the base one.
 *
 * @throws {ConfigError} when an override names a block the builder does not have
 */
export function mergeBuilderSpec<Spec extends BuilderSpec>(
  base: Spec,
  override: BuilderOverride,
  where: { file?: string | undefined; field?: string | undefined } = {},
): Spec {
  const blocks = base.blocks.map((block) => ({ ...block }));
  (override.blocks ?? []).forEach((change, index) => {
    const target = blocks.findIndex((block) => block.name === change.name);
    if (target === -1) {
      const known = blocks.map((block) => `\`${block.name}\``).join(', ');
      const field = `${where.field === undefined ? '' : `${where.field}.`}blocks.${index}.name`;
      throw new ConfigError(`builder \`${base.name}\` has no block \`${change.name}\` (its blocks: ${known})`, { file: where.file, field });
    }
    blocks[target] = { ...blocks[target]!, ...change };
  });
  const postprocessors = override.postprocessors === undefined ? base.postprocessors : override.postprocessors.map((entry) => ({ ...entry }));
  return { ...base, blocks, postprocessors };
}
