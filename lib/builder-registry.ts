import { z } from 'zod';
import { geographyQa } from '../builders/geography-qa/index.ts';
import { qaRater } from '../builders/qa-rater/index.ts';
import type { BuilderSpec } from './config/builder-spec.ts';
import { zodIssueToConfigError } from './config/zod-issue.ts';
import { ConfigError } from './errors/config-error.ts';
import type { Engine } from './model/engine.ts';
import { packagePath } from './package-path.ts';
import { type EngineDefaults, engineFromBlock, engineTypes, isEngineBlock } from './run/lm-block.ts';
import type { DataPoint } from './record.ts';
import type { Builder } from './run/task.ts';
import type { GenerationInput } from './run/task-inputs.ts';

/** A builder's blocks, resolved from its YAML: engines for LM blocks, parsed configs for the others. */
export interface ResolvedBlocks {
  readonly spec: BuilderSpec;
  /** The engine of an LM block. */
  engine(name: string): Engine;
  /** Every LM block's engine, by block name, in YAML order. */
  readonly engines: ReadonlyMap<string, Engine>;
  /** The config of a utility block, parsed with its schema. */
  config<S extends z.ZodType>(name: string, schema: S): z.output<S>;
  /** Whether the builder YAML lists this block under `postprocessors`. */
  isPostprocessor(name: string): boolean;
}

interface DefinitionBase {
  readonly name: string;
  /** The builder YAML with its default blocks. */
  readonly yamlPath: string;
}

/** A databuilder registered under its DGT name: generation builders take seed batches, transformation builders records. */
export type BuilderDefinition =
  | (DefinitionBase & { readonly kind: 'generation'; create(blocks: ResolvedBlocks): Builder<GenerationInput> })
  | (DefinitionBase & { readonly kind: 'transformation'; create(blocks: ResolvedBlocks): Builder<DataPoint> });

/**
 * DGT's `input_map` of a block with one text input: `{ <record field>: input }`. Read as the record field the block
 * compares; exactly one field must map to `input`.
 */
const inputMapSchema = z
  .record(z.string(), z.string())
  .refine((map) => Object.values(map).filter((target) => target === 'input').length === 1, {
    error: (issue) => {
      const fields = Object.entries(issue.input as Record<string, string>).filter(([, target]) => target === 'input');
      const found = fields.length === 0 ? 'none does' : `${fields.map(([field]) => `\`${field}\``).join(', ')} all do`;
      return `must map one record field to \`input\` (as in \`question: input\`); ${found}`;
    },
  })
  .transform((map) => Object.entries(map).find(([, target]) => target === 'input')![0]);

/** DGT's `rouge_scorer` block; `input_map` becomes the record field it compares. */
const rougeBlockSchema = z.strictObject({
  name: z.string(),
  type: z.literal('rouge_scorer'),
  filter: z.boolean().default(true),
  threshold: z.number().min(0).default(1.0),
  input_map: inputMapSchema.optional(),
  score_func: z.literal('f1').optional(),
  rouge_types: z.array(z.literal('lcs')).optional(),
  fast_rouge: z.boolean().optional(),
});

/** Types of the utility blocks builders know, beside the LM engine types. */
const utilityBlockTypes = ['rouge_scorer'];

const definitions: readonly BuilderDefinition[] = [
  {
    name: 'public/examples/geography_qa',
    kind: 'generation',
    yamlPath: packagePath('builders', 'geography-qa', 'qa.yaml'),
    create: (blocks) => {
      const dedup = blocks.config('dedup', rougeBlockSchema);
      const active = dedup.filter && blocks.isPostprocessor('dedup');
      return geographyQa({
        generator: blocks.engine('generator'),
        dedupThreshold: active ? dedup.threshold : 1.1,
        ...(dedup.input_map === undefined ? {} : { dedupKey: dedup.input_map }),
      });
    },
  },
  {
    name: 'public/examples/qa_rater',
    kind: 'transformation',
    yamlPath: packagePath('builders', 'qa-rater', 'rater.yaml'),
    create: (blocks) => qaRater({ rater: blocks.engine('rater') }),
  },
];

/** Every registered builder name. */
export function builderNames(): string[] {
  return definitions.map((definition) => definition.name);
}

/** Converts DGT's fnmatch-style builder pattern (`*`, `?`) to a regular expression. */
function patternToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/**
 * Finds the builder a task names in `data_builder` (an exact name or an fnmatch pattern matching one).
 * @throws {ConfigError} naming the task file and `data_builder` when none or several match
 */
export function findBuilder(dataBuilder: string, file: string | undefined): BuilderDefinition {
  const regexp = patternToRegExp(dataBuilder);
  const matches = definitions.filter((definition) => definition.name === dataBuilder || regexp.test(definition.name));
  if (matches.length === 1) return matches[0] as BuilderDefinition;
  const known = builderNames().join(', ');
  const problem = matches.length === 0 ? `unknown builder \`${dataBuilder}\`` : `\`${dataBuilder}\` matches several builders`;
  throw new ConfigError(`${problem} (known: ${known})`, { file, field: 'data_builder' });
}

/** Where a block's config was written: the file and the field path of the block within it. */
export interface BlockLocation {
  readonly file: string;
  readonly field: string;
}

/**
 * Resolves a builder's blocks once: one engine per LM block, shared by every task of the builder.
 * `locate` says where each block was written (the builder YAML, or the joint config that overrode it), so
 * errors point at the right file and field.
 * @throws {ConfigError} naming the file and the block field for an unknown type or a bad field
 */
export function resolveBlocks(spec: BuilderSpec, locate: (name: string, index: number) => BlockLocation, defaults?: EngineDefaults): ResolvedBlocks {
  const engines = new Map<string, Engine>();
  spec.blocks.forEach((block, index) => {
    const where = locate(block.name, index);
    if (isEngineBlock(block)) engines.set(block.name, engineFromBlock(block, where, defaults));
    else if (!utilityBlockTypes.includes(block.type)) {
      throw new ConfigError(`unknown block type \`${block.type}\` (known: ${[...engineTypes, ...utilityBlockTypes].join(', ')})`, {
        file: where.file,
        field: `${where.field}.type`,
      });
    }
  });
  const blockNamed = (name: string): { block: BuilderSpec['blocks'][number]; where: BlockLocation } => {
    const index = spec.blocks.findIndex((block) => block.name === name);
    if (index === -1) throw new ConfigError(`builder \`${spec.name}\` needs a block named \`${name}\``, { ...locate(name, -1), field: 'blocks' });
    return { block: spec.blocks[index] as BuilderSpec['blocks'][number], where: locate(name, index) };
  };
  return {
    spec,
    engines,
    engine: (name) => {
      const engine = engines.get(name);
      if (engine) return engine;
      const { block, where } = blockNamed(name);
      throw new ConfigError(`block \`${name}\` must be a language model (type: ${engineTypes.join(', ')}), not \`${block.type}\``, {
        file: where.file,
        field: `${where.field}.type`,
      });
    },
    config: (name, schema) => {
      const { block, where } = blockNamed(name);
      const parsed = schema.safeParse(block);
      if (!parsed.success) throw zodIssueToConfigError(parsed.error, where.file, { fieldPrefix: where.field });
      return parsed.data;
    },
    isPostprocessor: (name) => spec.postprocessors.some((entry) => entry.name === name),
  };
}
