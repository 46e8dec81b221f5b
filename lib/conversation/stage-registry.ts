import { ConfigError } from '../errors/config-error.ts';
import type { StageDefinition } from './stage.ts';

/** Stage types by name (DGT's stage registry), one per builder family: `core/conversation` has its own, RAG adds to a copy. */
export type StageRegistry = ReadonlyMap<string, StageDefinition>;

/**
 * A registry holding `definitions`, each checked as {@link registerStage} does.
 *
 * ## Example
 * ```ts
 * import { findStage, stageRegistry } from 'rxdgt';
 * const registry = stageRegistry([...coreConversationStages, myRetrievalStage]);
 * findStage(registry, 'lm/user/guided', { file: 'task.yaml', field: 'iteration_stages.1.name' }).name; // 'lm/user/guided'
 * findStage(registry, 'lm/usr', { file: 'task.yaml', field: 'iteration_stages.1.name' });
 * // ConfigError: task.yaml: field `iteration_stages.1.name`: unknown stage `lm/usr` (known: lm/assistant/naive, ...)
 * ```
 */
export function stageRegistry(definitions: readonly StageDefinition[] = []): StageRegistry {
  return definitions.reduce<StageRegistry>((registry, definition) => registerStage(registry, definition), new Map());
}

/**
 * A new registry with `definition` added; the given one is unchanged.
 * @throws {TypeError} when a stage of that name is already registered (two definitions cannot share a name)
 */
export function registerStage(registry: StageRegistry, definition: StageDefinition): StageRegistry {
  if (registry.has(definition.name)) throw new TypeError(`registerStage: a stage named \`${definition.name}\` is already registered`);
  return new Map([...registry, [definition.name, definition]]);
}

/**
 * The stage type a task names.
 * @throws {ConfigError} naming the file and field, and listing the known stages, when none has that name
 */
export function findStage(registry: StageRegistry, name: string, where: { readonly file: string | undefined; readonly field: string }): StageDefinition {
  const definition = registry.get(name);
  if (definition) return definition;
  const known = [...registry.keys()].sort().join(', ') || 'none';
  throw new ConfigError(`unknown stage \`${name}\` (known: ${known})`, where);
}
