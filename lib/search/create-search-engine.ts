import { namedFilePath } from '../config/input-path.ts';
import { zodIssueToConfigError } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import { fileSearchEngine } from './file-search-engine.ts';
import { inMemorySearchEngine } from './in-memory-search-engine.ts';
import { readCorpus } from './read-corpus.ts';
import { searchEngineConfigSchema } from './search-engine-config.ts';
import type { SearchEngine } from './search-engine.ts';

/** Where an engine's config was written, and the folder its corpus must lie in. */
export interface SearchEngineLocation {
  /** The task file, for errors. */
  readonly file: string | undefined;
  /** The engine's place in it (`tools.engines.file_retriever`). */
  readonly field: string;
  /** The task file's folder: `path` resolves here and must stay inside it. */
  readonly directory: string;
  /** How the task resolves a file it names (its folder, or DGT's data folder: `BuilderTask.resolvePath`). @default inside `directory` */
  readonly resolvePath?: ((path: string, field: string) => string) | undefined;
}

/** DGT's search engines rxdgt leaves out, with why. */
const leftOut: Readonly<Record<string, string>> = {
  'search/elasticsearch': 'rxdgt has no Elasticsearch engine; export the index to a JSONL corpus and use `search/file` or `search/in_memory`',
};

/**
 * Builds a search engine from a task's engine config (DGT's `tools.engines.<name>` entry): `search/file` (random
 * draws) or `search/in_memory` (ranked), its corpus file resolved in the task's folder and read now.
 *
 * ## Example
 * ```ts
 * import { createSearchEngine } from 'rxdgt';
 * const engine = createSearchEngine(
 *   { type: 'search/file', path: 'documents.jsonl', projection: { body: 'text', doc_id: 'id' }, limit: 3 },
 *   { file: '/tasks/dmv/task.yaml', field: 'tools.engines.file_retriever', directory: '/tasks/dmv' },
 * );
 * engine.corpus().length; // the corpus's record count
 * ```
 * @throws {ConfigError} naming the file and field: a live web search engine (`search/web/...`: rxdgt does not do
 *   live web search), an engine type rxdgt lacks, a bad field, a corpus path outside the task's folder, a corpus
 *   that cannot be read
 */
export function createSearchEngine(config: unknown, where: SearchEngineLocation): SearchEngine {
  const type = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['type'] : undefined;
  const typeField = { file: where.file, field: `${where.field}.type` };
  if (typeof type === 'string' && type.startsWith('search/web/')) {
    throw new ConfigError(`search engine \`${type}\` is a live web search: rxdgt does not do live web search (use \`search/file\` or \`search/in_memory\` over a local corpus)`, typeField);
  }
  if (typeof type === 'string' && leftOut[type]) throw new ConfigError(`search engine \`${type}\` is not available: ${leftOut[type]}`, typeField);
  if (type !== 'search/file' && type !== 'search/in_memory') {
    throw new ConfigError(`unknown search engine type ${JSON.stringify(type)} (known: search/file, search/in_memory)`, typeField);
  }
  const parsed = searchEngineConfigSchema.safeParse(config);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, where.file, { fieldPrefix: where.field, subject: `search engine \`${type}\`` });
  const spec = parsed.data;
  const pathField = `${where.field}.path`;
  const path = namedFilePath(where, spec.path, pathField);
  const documents = readCorpus(path, spec, { file: where.file, field: pathField });
  const settings = { limit: spec.limit, relevanceThreshold: spec.relevance_threshold, errorCategories: spec.error_categories };
  return spec.type === 'search/file' ? fileSearchEngine(documents, settings) : inMemorySearchEngine(documents, settings);
}
