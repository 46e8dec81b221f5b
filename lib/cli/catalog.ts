import { z } from 'zod';
import { blockTypes, findBlockDefinition } from '../blocks/registry.ts';
import { builderNames, builtInBuilder } from '../builder-registry.ts';
import { formatterConfigSchema } from '../formatters/formatter-config.ts';
import { engineFields, engineTypes } from '../run/lm-block.ts';
import { type FieldInfo, describeFields } from './describe-fields.ts';

/** What `rxdgt list` can show. */
export const catalogTopics = ['builders', 'blocks', 'engines', 'formatters'] as const;
export type CatalogTopic = (typeof catalogTopics)[number];

/** A builder: its DGT name, its kind and the task fields it adds to DGT's. */
export interface BuilderEntry {
  readonly name: string;
  readonly kind: 'generation' | 'transformation';
  readonly taskFields: readonly FieldInfo[];
}

/** A block type: its own fields (and `filter`, for a validator) and the inputs it reads. */
export interface BlockEntry {
  readonly type: string;
  readonly summary: string;
  readonly fields: readonly FieldInfo[];
  /** Absent when the block reads the whole record. */
  readonly inputs?: { readonly required: readonly string[]; readonly optional: readonly string[] };
}

/** An LM engine type: every field its blocks take. */
export interface EngineEntry {
  readonly type: string;
  readonly fields: readonly FieldInfo[];
}

/** A formatter: the settings it takes beside its `type`. */
export interface FormatterEntry {
  readonly type: string;
  readonly fields: readonly FieldInfo[];
}

/** What rxdgt knows, by topic: only the topics asked for are present. */
export interface Catalog {
  readonly builders?: readonly BuilderEntry[];
  readonly blocks?: readonly BlockEntry[];
  readonly engines?: readonly EngineEntry[];
  readonly formatters?: readonly FormatterEntry[];
}

function builders(): BuilderEntry[] {
  return builderNames().map((name) => {
    const definition = builtInBuilder(name)!;
    return { name, kind: definition.kind, taskFields: describeFields(definition.taskFields ?? {}) };
  });
}

function blocks(): BlockEntry[] {
  return blockTypes().map((type) => {
    const definition = findBlockDefinition(type)!;
    // A validator also takes `filter`, whose default is the block's.
    const filter = definition.validator ? { filter: z.boolean().default(definition.filterByDefault ?? false) } : {};
    const inputs = definition.inputs === undefined ? {} : { inputs: { required: definition.inputs.required, optional: definition.inputs.optional ?? [] } };
    return { type, summary: definition.summary, fields: describeFields({ ...definition.fields, ...filter }), ...inputs };
  });
}

function engines(): EngineEntry[] {
  return engineTypes.map((type) => ({ type, fields: describeFields(engineFields(type) ?? {}) }));
}

function formatters(): FormatterEntry[] {
  return formatterConfigSchema.options.map((option) => {
    const { type, ...fields } = option.shape;
    return { type: type.value, fields: describeFields(fields) };
  });
}

const makers: { readonly [Topic in CatalogTopic]: () => NonNullable<Catalog[Topic]> } = { builders, blocks, engines, formatters };

/**
 * What rxdgt knows, read from its registries and their zod shapes: the built-in builders, the block types, the LM
 * engine types and the formatters, for `rxdgt list`.
 *
 * ## Example
 * ```ts
 * catalog(['engines']).engines?.find((engine) => engine.type === 'openai')?.fields.map((field) => field.name);
 * // ['name', 'model_id_or_path', 'base_url', 'api_key', 'call_limit', ...]
 * ```
 */
export function catalog(topics: readonly CatalogTopic[] = catalogTopics): Catalog {
  return Object.fromEntries(topics.map((topic) => [topic, makers[topic]()])) as Catalog;
}
