import { dirname, join } from 'node:path';
import { type MonoTypeOperatorFunction, pipe } from 'rxjs';
import { z } from 'zod';
import type { BlockContext } from './blocks/block-definition.ts';
import { blockOperator } from './blocks/block-operator.ts';
import { languageModelBlock, languageModelBlockFields } from './blocks/language-model-block.ts';
import { generationPipeline, transformationPipeline } from './blocks/pipeline-builder.ts';
import { blockTypes, findBlockDefinition } from './blocks/registry.ts';
import { geographyQa } from '../builders/geography-qa/index.ts';
import { qaRater } from '../builders/qa-rater/index.ts';
import { dgtBuilders } from '../builders/index.ts';
import type { BuilderSpec } from './config/builder-spec.ts';
import type { TaskSpec } from './config/task-spec.ts';
import { zodIssueToConfigError } from './config/zod-issue.ts';
import { ConfigError } from './errors/config-error.ts';
import { type EmbedderFactory, embedderFactory } from './model/embedding-block.ts';
import type { Engine } from './model/engine.ts';
import { packagePath } from './package-path.ts';
import { type EngineDefaults, engineFromBlock, engineTypes, isEngineBlock } from './run/lm-block.ts';
import type { DataPoint, Outcome } from './record.ts';
import type { Builder } from './run/task.ts';
import { withConcurrency } from './run/task-options.ts';
import type { GenerationInput } from './run/task-inputs.ts';

/** A builder's blocks, resolved from its YAML: engines for LM blocks, parsed configs for the others. */
export interface ResolvedBlocks {
  readonly spec: BuilderSpec;
  /** The builder YAML's folder: where its prompt templates are read (DGT's own folder when DGT's YAML is used). */
  readonly directory: string;
  /** The engine of an LM block. */
  engine(name: string): Engine;
  /** Every LM block's engine, by block name, in YAML order. */
  readonly engines: ReadonlyMap<string, Engine>;
  /** The config of a utility block, parsed with its schema. */
  config<S extends z.ZodType>(name: string, schema: S): z.output<S>;
  /** Whether the builder YAML lists this block under `postprocessors`. */
  isPostprocessor(name: string): boolean;
  /**
   * The named block as an operator over outcomes, with its `input_map`, `output_map` and (validators) `filter`: a
   * registered block type, or an LM block of a `pipeline:` builder (its `prompt`, `output_field`, `parse`).
   */
  operator(name: string): MonoTypeOperatorFunction<Outcome<DataPoint>>;
  /**
   * The builder's `postprocessors` as one operator, in YAML order, to run over every record when the task ends
   * (`withPostprocess`), as DGT does; undefined when it lists none.
   */
  postprocess(): MonoTypeOperatorFunction<Outcome<DataPoint>> | undefined;
  /**
   * An engine for an LM config a task names (a tool simulator's `lm_config`), built as the builder's own LM blocks
   * are: with the run's `lm_cache`, prices and admission; closed with them when the run ends.
   */
  engineFrom(config: unknown, where: BlockLocation): Engine;
}

/** Run-wide settings DGT's builders read (the CLI's `--num-prompt-instructions` and `--prompt-file-path`). */
export interface BuilderSettings {
  readonly numPromptInstructions?: number | undefined;
  readonly promptFilePath?: string | undefined;
}

/** The task a builder is created for: its spec, with the builder's own task fields parsed by its `taskFields`. */
export interface BuilderTask {
  readonly spec: TaskSpec & Readonly<Record<string, unknown>>;
  /** The task file (or the joint config for a task defined there), for errors. */
  readonly file: string | undefined;
  /** Where the task sits in `file` (`tasks.<name>` in a joint config); '' in a task file. */
  readonly fieldPrefix: string;
  /** The task file's folder: relative paths the task names resolve against (and must stay inside). */
  readonly directory: string;
  readonly settings: BuilderSettings;
  /**
   * Resolves a file the task names at `field` (its full path in `file`, with `fieldPrefix`): inside the task's folder,
   * or inside DGT's data folder (`${DGT_DATA_DIR}/...`, as DGT's own task files write them); anything else is a
   * ConfigError naming the task file and the field (see `resolveInputPath`).
   */
  resolvePath(path: string, field: string): string;
}

interface DefinitionBase {
  readonly name: string;
  /** The builder YAML with its default blocks. */
  readonly yamlPath: string;
  /** Whether the builder is a `pipeline:` YAML: its LM blocks take `prompt`, `output_field`, `parse`, `input_map`, `output_map`. */
  readonly pipeline?: boolean;
  /**
   * The task fields this builder adds to DGT's (its Task subclass's: `max_turns`, `num_icl_examples_per_prompt`, ...).
   * A task of the builder is parsed with them, still strictly: a field neither knows is an error naming it.
   */
  readonly taskFields?: z.ZodRawShape;
  /**
   * The builder-level YAML fields this builder adds (its DGT builder config's: `max_concurrent_conversations`,
   * `target`, ...), on `blocks.spec`. The builder YAML and a joint config's `databuilders.<name>` are checked with them.
   */
  readonly builderFields?: z.ZodRawShape;
  /**
   * A generation builder whose tasks may have no seeds (DGT's conversation builders start from their initialization
   * stages): such a task runs with one empty seed. @default false: a generation task needs seeds
   */
  readonly seedless?: boolean;
}

/** A databuilder registered under its DGT name: generation builders take seed batches, transformation builders records. */
export type BuilderDefinition =
  | (DefinitionBase & { readonly kind: 'generation'; create(blocks: ResolvedBlocks, task: BuilderTask): Builder<GenerationInput> })
  | (DefinitionBase & { readonly kind: 'transformation'; create(blocks: ResolvedBlocks, task: BuilderTask): Builder<DataPoint> });

const definitions: readonly BuilderDefinition[] = [
  {
    name: 'public/examples/geography_qa',
    kind: 'generation',
    yamlPath: packagePath('builders', 'geography-qa', 'qa.yaml'),
    // DGT's builder runs its `dedup` block (a `rouge_scorer`) over what the generator made, as a postprocessor.
    create: (blocks) => {
      const generator = blocks.engine('generator');
      // DGT's layout: the prompt beside the builder YAML in use (DGT's own, under --include-builder-paths).
      const made = geographyQa({ generator, dedupThreshold: 1.1, promptPath: join(blocks.directory, 'prompt_templates', 'prompt.txt') });
      return blocks.isPostprocessor('dedup') ? withConcurrency(pipe(made, blocks.operator('dedup')), generator.callLimit) : made;
    },
  },
  {
    name: 'public/examples/qa_rater',
    kind: 'transformation',
    yamlPath: packagePath('builders', 'qa-rater', 'rater.yaml'),
    create: (blocks) => qaRater({ rater: blocks.engine('rater') }),
  },
  ...dgtBuilders,
];

/** DGT builders rxdgt leaves out on purpose, with why: a task naming one exits 2 saying so. */
const unsupportedBuilders: Readonly<Record<string, string>> = {
  time_series:
    'it fine-tunes a language model in process (SDForger: a model is trained on the embedded series, then sampled), which rxdgt does not do; run this task with DGT, or generate series with a builder of your own',
};

/** Every registered builder name. */
export function builderNames(): string[] {
  return definitions.map((definition) => definition.name);
}

/** The built-in builder of this exact name, if any. */
export function builtInBuilder(name: string): BuilderDefinition | undefined {
  return definitions.find((definition) => definition.name === name);
}

/** Converts DGT's fnmatch-style builder pattern (`*`, `?`) to a regular expression. */
function patternToRegExp(pattern: string): RegExp {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`);
}

/** The builder a task names in `data_builder` (exact or one fnmatch match), or undefined: {@link findBuilder} says why. */
export function knownBuilder(dataBuilder: string, discovered: readonly BuilderDefinition[] = []): BuilderDefinition | undefined {
  try {
    return findBuilder(dataBuilder, undefined, discovered);
  } catch {
    return undefined;
  }
}

/**
 * Finds the builder a task names in `data_builder` (an exact name or an fnmatch pattern matching one).
 * @throws {ConfigError} naming the task file and `data_builder` when none or several match
 */
export function findBuilder(dataBuilder: string, file: string | undefined, discovered: readonly BuilderDefinition[] = []): BuilderDefinition {
  const regexp = patternToRegExp(dataBuilder);
  // A builder found under --include-builder-paths with a built-in's name (DGT's own YAML) takes its place.
  const all = [...definitions.filter((definition) => !discovered.some((found) => found.name === definition.name)), ...discovered];
  const unsupported = unsupportedBuilders[dataBuilder];
  if (unsupported !== undefined && !all.some((definition) => definition.name === dataBuilder)) {
    throw new ConfigError(`builder \`${dataBuilder}\` is not available in rxdgt: ${unsupported}`, { file, field: 'data_builder' });
  }
  const exact = all.filter((definition) => definition.name === dataBuilder);
  const matches = exact.length > 0 ? exact : all.filter((definition) => regexp.test(definition.name));
  if (matches.length === 1) return matches[0] as BuilderDefinition;
  const known = all.map((definition) => definition.name).join(', ');
  const problem = matches.length === 0 ? `unknown builder \`${dataBuilder}\`` : `\`${dataBuilder}\` matches several builders`;
  throw new ConfigError(`${problem} (known: ${known})`, { file, field: 'data_builder' });
}

/** Where a block's config was written: the file and the field path of the block within it. */
export interface BlockLocation {
  readonly file: string;
  readonly field: string;
}

/** Where a builder's blocks live and what its LM blocks may take. */
export interface ResolveOptions {
  /** The builder YAML's folder, for files its blocks name. @default the folder of the block's file */
  readonly directory?: string | undefined;
  /** A `pipeline:` builder: its LM blocks take `prompt`, `output_field`, `parse`, `input_map`, `output_map`. */
  readonly pipeline?: boolean | undefined;
  /** The builder's kind, which a generation pipeline's blocks see. @default 'transformation' */
  readonly kind?: 'generation' | 'transformation' | undefined;
  /** Builds the embedding engines of `embedding_config` fields, shared across the run. @default one for this builder */
  readonly embedder?: EmbedderFactory | undefined;
}

/** An LM block's fields split into the engine's and the pipeline block's. */
function engineFieldsOf(block: Readonly<Record<string, unknown>>, pipeline: boolean): Readonly<Record<string, unknown>> {
  if (!pipeline) return block;
  return Object.fromEntries(Object.entries(block).filter(([key]) => !languageModelBlockFields.includes(key)));
}

/**
 * Resolves a builder's blocks once: one engine per LM block (and per nested `lm_config`), shared by every task of the
 * builder, and one operator per registered block, its config checked now. `locate` says where each block was written
 * (the builder YAML, or the joint config that overrode it), so errors point at the right file and field.
 * @throws {ConfigError} naming the file and the block field for an unknown type or a bad field
 */
export function resolveBlocks(spec: BuilderSpec, locate: (name: string, index: number) => BlockLocation, defaults?: EngineDefaults, options: ResolveOptions = {}): ResolvedBlocks {
  const pipeline = options.pipeline ?? false;
  const embedder = options.embedder ?? embedderFactory(defaults);
  const engines = new Map<string, Engine>();
  const operators = new Map<string, MonoTypeOperatorFunction<Outcome<DataPoint>>>();
  const contextOf = (where: BlockLocation, name: string): BlockContext => ({
    file: where.file,
    field: where.field,
    directory: options.directory ?? dirname(where.file),
    builderKind: options.kind ?? 'transformation',
    engine: (config, field) => {
      if (typeof config !== 'object' || config === null) {
        throw new ConfigError(`block \`${name}\` needs \`${field}\`: an engine config such as { type: openai, model_id_or_path: gpt-4o-mini }`, { file: where.file, field: `${where.field}.${field}` });
      }
      const engine = engineFromBlock({ name: `${name}.${field}`, ...config }, { file: where.file, field: `${where.field}.${field}` }, defaults);
      engines.set(`${name}.${field}`, engine);
      return engine;
    },
    embedder: (config, field) => embedder(config, { file: where.file, field: `${where.field}.${field}`, name }),
  });
  spec.blocks.forEach((block, index) => {
    const where = locate(block.name, index);
    if (isEngineBlock(block)) {
      const engine = engineFromBlock(engineFieldsOf(block, pipeline), where, defaults);
      engines.set(block.name, engine);
      if (pipeline) operators.set(block.name, languageModelBlock(block, engine, contextOf(where, block.name)));
      return;
    }
    const definition = findBlockDefinition(block.type);
    if (definition) {
      operators.set(block.name, blockOperator(definition, block, contextOf(where, block.name)));
      return;
    }
    throw new ConfigError(`unknown block type \`${block.type}\` (known: ${[...engineTypes, ...blockTypes()].join(', ')})`, {
      file: where.file,
      field: `${where.field}.type`,
    });
  });
  const blockNamed = (name: string): { block: BuilderSpec['blocks'][number]; where: BlockLocation } => {
    const index = spec.blocks.findIndex((block) => block.name === name);
    if (index === -1) throw new ConfigError(`builder \`${spec.name}\` needs a block named \`${name}\``, { ...locate(name, -1), field: 'blocks' });
    return { block: spec.blocks[index] as BuilderSpec['blocks'][number], where: locate(name, index) };
  };
  return {
    spec,
    directory: options.directory ?? dirname(locate('', -1).file),
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
    engineFrom: (config, where) => {
      const name = where.field.split('.').filter((part) => !/^\d+$/.test(part)).at(-2) ?? where.field;
      if (typeof config !== 'object' || config === null) throw new ConfigError('expected an engine config such as { type: openai, model_id_or_path: gpt-4o-mini }', where);
      const engine = engineFromBlock({ name, ...config }, where, defaults);
      engines.set(`${where.file}#${where.field}`, engine);
      return engine;
    },
    postprocess() {
      const steps = spec.postprocessors.map((entry) => this.operator(entry.name));
      return steps.length === 0 ? undefined : (source) => steps.reduce((flow, step) => flow.pipe(step), source);
    },
    operator: (name) => {
      const operator = operators.get(name);
      if (operator) return operator;
      const { block, where } = blockNamed(name);
      throw new ConfigError(`block \`${name}\` (type \`${block.type}\`) cannot run as a pipeline step${isEngineBlock(block) ? ' outside a `pipeline:` builder' : ''}`, { file: where.file, field: `${where.field}.type` });
    },
  };
}

/**
 * The definition of a `pipeline:` builder YAML (beyond DGT): each record flows through the named blocks in order, then
 * through its `postprocessors`.
 */
export function pipelineDefinition(yamlPath: string, spec: BuilderSpec): BuilderDefinition {
  const create = (blocks: ResolvedBlocks) => {
    const names = [...(blocks.spec.pipeline ?? []), ...blocks.spec.postprocessors.map((entry) => entry.name)];
    const concurrency = Math.max(1, ...[...blocks.engines.values()].map((engine) => engine.callLimit));
    return { operators: names.map((name) => blocks.operator(name)), concurrency };
  };
  return spec.kind === 'generation'
    ? { name: spec.name, yamlPath, pipeline: true, kind: 'generation', create: (blocks) => generationPipeline(create(blocks)) }
    : { name: spec.name, yamlPath, pipeline: true, kind: 'transformation', create: (blocks) => transformationPipeline(create(blocks)) };
}
