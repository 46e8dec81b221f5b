import type { BuilderTask } from '../../lib/builder-registry.ts';
import { createSearchEngine } from '../../lib/search/create-search-engine.ts';
import type { SearchEngine } from '../../lib/search/search-engine.ts';

/**
 * The search engines a RAG task defines under `tools.engines`, by name, each built (its corpus read) once for the
 * task; none when the task has no `tools` block.
 *
 * ## Example
 * ```ts
 * taskSearchEngines(task).get('file_retriever')?.type; // 'search/file'
 * ```
 * @throws {ConfigError} naming the task file and `tools.engines.<name>...` for an engine rxdgt cannot build (a live
 *   web search among them) or a corpus it cannot read
 */
export function taskSearchEngines(task: BuilderTask): ReadonlyMap<string, SearchEngine> {
  const tools = task.spec['tools'] as { readonly engines?: Readonly<Record<string, unknown>> } | undefined;
  const prefix = task.fieldPrefix ? `${task.fieldPrefix}.` : '';
  return new Map(
    Object.entries(tools?.engines ?? {}).map(([name, config]) => [name, createSearchEngine(config, { file: task.file, field: `${prefix}tools.engines.${name}`, directory: task.directory, resolvePath: task.resolvePath })]),
  );
}
