import type { MonoTypeOperatorFunction } from 'rxjs';
import { ConfigError } from '../errors/config-error.ts';
import { embeddingEngineMarker } from '../model/embedding-engine.ts';
import type { EmbeddingEngine } from '../model/embedding-engine.ts';
import { embedderFactory } from '../model/embedding-block.ts';
import type { Engine } from '../model/engine.ts';
import type { DataPoint, Outcome } from '../record.ts';
import { type EngineDefaults, engineFromBlock } from '../run/lm-block.ts';
import { engineMarker } from '../schemas.ts';
import type { BlockContext, CommonBlockFields } from './block-definition.ts';
import { blockOperator } from './block-operator.ts';
import { blockTypes, findBlockDefinition } from './registry.ts';

/** Options of {@link block}. */
export interface BlockOptions {
  /** Folder that files the block names (`schema_file`, `prompt_file`) are resolved in, and must stay inside. @default process.cwd() */
  readonly directory?: string;
  /** The builder's kind. @default 'transformation' */
  readonly builderKind?: 'generation' | 'transformation';
  /** Run defaults for engines built from nested configs (`lm_cache`, prices). */
  readonly engineDefaults?: Omit<EngineDefaults, 'openCache'> & Partial<Pick<EngineDefaults, 'openCache'>>;
}

const isEngine = (value: unknown): value is Engine => typeof value === 'object' && value !== null && engineMarker in value;
const isEmbeddingEngine = (value: unknown): value is EmbeddingEngine => typeof value === 'object' && value !== null && embeddingEngineMarker in value;

/**
 * Any registered block type as an operator in code, configured as in a builder YAML: `input_map`, `output_map`,
 * `filter` and the block's own fields. Nested engines (`lm_config`, `embedding_config`) may be configs or, in code,
 * an `Engine` / `EmbeddingEngine`.
 *
 * ## Example
 * ```ts
 * import { pipe } from 'rxjs';
 * import { block, generate } from 'rxdgt';
 * const builder = pipe(
 *   generate({ engine, prompt: () => 'Write a SQL query as {"sql": "..."}', parse: (text, input) => ({ ...input, ...JSON.parse(text) }) }),
 *   block({ name: 'sql_ok', type: 'validators/sql', dialect: 'postgresql', input_map: { sql: 'input' }, filter: true }),
 * );
 * ```
 * @throws {ConfigError} for an unknown type or a bad field, naming the field
 */
export function block(config: CommonBlockFields & Readonly<Record<string, unknown>>, options: BlockOptions = {}): MonoTypeOperatorFunction<Outcome<DataPoint>> {
  const definition = findBlockDefinition(config.type);
  const where = { file: `block \`${config.name}\``, field: 'config' };
  if (!definition) throw new ConfigError(`unknown block type \`${config.type}\` (known: ${blockTypes().join(', ')})`, { ...where, field: 'type' });
  const embedder = embedderFactory(options.engineDefaults as EngineDefaults | undefined);
  const context: BlockContext = {
    file: where.file,
    field: where.field,
    directory: options.directory ?? process.cwd(),
    builderKind: options.builderKind ?? 'transformation',
    engine: (nested, field) => {
      if (isEngine(nested)) return nested;
      if (typeof nested !== 'object' || nested === null) throw new ConfigError(`block \`${config.name}\` needs \`${field}\`: an Engine or an engine config`, { ...where, field });
      return engineFromBlock({ name: `${config.name}.${field}`, ...nested }, { ...where, field }, options.engineDefaults as EngineDefaults | undefined);
    },
    embedder: (nested, field) => (isEmbeddingEngine(nested) ? nested : embedder(nested, { ...where, field, name: config.name })),
  };
  return blockOperator(definition, config, context);
}
