import { zodIssueToConfigError } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import { embedderFactory } from '../model/embedding-block.ts';
import type { Engine } from '../model/engine.ts';
import { engineFromBlock } from '../run/lm-block.ts';
import { runEnrichments } from './enrichments/run-enrichments.ts';
import type { EnrichmentContext } from './enrichments/tool-enrichment.ts';
import { lmToolEngine } from './engines/lm-tool-engine.ts';
import { mcpToolEngine } from './engines/mcp-tool-engine.ts';
import { multiToolEngine } from './engines/multi-tool-engine.ts';
import { restToolEngine } from './engines/rest-tool-engine.ts';
import type { ToolEngine } from './engines/tool-engine.ts';
import { fileToolLoader } from './loaders/file-tool-loader.ts';
import { inlineToolLoader } from './loaders/inline-tool-loader.ts';
import { mcpToolLoader } from './loaders/mcp-tool-loader.ts';
import { restToolLoader } from './loaders/rest-tool-loader.ts';
import type { LoaderPlace, ToolLoader } from './loaders/tool-loader.ts';
import { McpConnections } from './mcp-connections.ts';
import { ToolRegistry } from './tool-registry.ts';
import type { Tool } from './tool.ts';
import { engineSchemas, loaderSchemas, toolsConfigSchema } from './tools-config.ts';

/** Where the `tools:` block is and what building it may use. */
export interface ToolsContext {
  /** The task file, for errors. */
  readonly file: string | undefined;
  /** Dotted path of the block (`tools`, or `tasks.<name>.tools` in a joint config). @default 'tools' */
  readonly field?: string;
  /** The task file's folder: files the block names must lie inside it. */
  readonly directory: string;
  /** How the task resolves a file it names (its folder, or DGT's data folder: `BuilderTask.resolvePath`). @default inside `directory` */
  readonly resolvePath?: ((path: string, field: string) => string) | undefined;
  /** The LM engine of an `lm_config`. @default `engineFromBlock` (no run-wide cache or prices) */
  readonly lmEngine?: (config: unknown, field: string) => Engine;
  /** Embedding engines of `embedding_config`s and of `RXDGT_EMBEDDINGS_URL`. @default an `embedderFactory()` closed by `close` */
  readonly embedder?: EnrichmentContext['embedder'];
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A task's tools, ready for its stages. */
export interface Tools {
  /** The enriched registry: samplers read it (`createToolSampler`). */
  readonly registry: ToolRegistry;
  /** Routes every call to the engine of its namespace (the registry entries' `engine:`). */
  readonly engine: ToolEngine;
  /** Each engine of `tools.engines`, by name. */
  readonly engines: ReadonlyMap<string, ToolEngine>;
  /** Stops the MCP servers started and releases the embedding engines made here. */
  close(): Promise<void>;
}

function loaderOf(entry: Record<string, unknown>, place: LoaderPlace, connections: McpConnections, file: string | undefined): ToolLoader {
  const type = entry['type'] as string;
  if (!Object.hasOwn(loaderSchemas, type)) {
    throw new ConfigError(`unknown tool loader ${JSON.stringify(type)}: expected one of ${Object.keys(loaderSchemas).join(', ')}`, { file, field: `${place.field}.type` });
  }
  const parsed = loaderSchemas[type as keyof typeof loaderSchemas].safeParse(entry);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, file, { fieldPrefix: place.field });
  const config = parsed.data;
  switch (config.type) {
    case 'file':
      return fileToolLoader(config, place);
    case 'inline':
      return inlineToolLoader(config, place);
    case 'rest':
      return restToolLoader(config, place);
    case 'mcp':
      return mcpToolLoader(config, place, connections);
  }
}

/**
 * Builds a task's `tools:` block as DGT's `Task` does: loads every `registry` entry (`file`, `inline`, `rest`,
 * `mcp`), builds the registry, runs `enrichments` in dependency order, creates `engines` (`lm`, `mcp`, `rest`) and
 * routes each entry's namespaces to its `engine:` (entries without one go to the only engine, when there is one).
 *
 * ## Example
 * ```ts
 * const tools = await buildTools(task.spec.tools, { file: task.file, directory: task.directory, lmEngine: (config, field) => engineFromBlock({ name: 'simulator', ...config }, { file: task.file!, field }) });
 * const sampler = createToolSampler({ type: 'tc/random', k: 4 }, tools.registry, { file: task.file, field: 'sampler' });
 * tools.engine.setup(id, { random: seededRandom(seed) });
 * await tools.close(); // when the run ends
 * ```
 * @throws {ConfigError} naming the file and the field: a block that does not parse, an unknown loader, enrichment
 *   or engine type, an `engine:` not among `engines`, a tool file or OpenAPI document that cannot be read or parsed,
 *   an MCP server that does not start, a duplicate tool. Credentials never appear in messages.
 */
export async function buildTools(config: unknown, context: ToolsContext): Promise<Tools> {
  const field = context.field ?? 'tools';
  const file = context.file;
  const parsed = toolsConfigSchema.safeParse(config);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, file, { fieldPrefix: field });
  const spec = parsed.data;
  const connections = new McpConnections();
  const ownEmbedder = context.embedder ? undefined : embedderFactory();
  const close = async (): Promise<void> => {
    await connections.close();
    await ownEmbedder?.close();
  };
  try {
    for (const [index, entry] of spec.registry.entries()) {
      const engine = entry['engine'];
      if (typeof engine === 'string' && !Object.hasOwn(spec.engines, engine)) {
        throw new ConfigError(`engine \`${engine}\` is not among \`tools.engines\`${Object.keys(spec.engines).length ? ` (${Object.keys(spec.engines).join(', ')})` : ''}`, { file, field: `${field}.registry.${index}.engine` });
      }
    }
    const tools: Tool[] = [];
    const routes = new Map<string, string>();
    for (const [index, entry] of spec.registry.entries()) {
      const place: LoaderPlace = { file, field: `${field}.registry.${index}`, directory: context.directory, resolvePath: context.resolvePath };
      const loaded = await loaderOf(entry, place, connections, file).load();
      tools.push(...loaded);
      const engine = typeof entry['engine'] === 'string' ? entry['engine'] : Object.keys(spec.engines).length === 1 ? Object.keys(spec.engines)[0] : undefined;
      if (engine) for (const tool of loaded) routes.set(tool.namespace, engine);
    }
    const lmEngine = context.lmEngine ?? ((engineConfig: unknown, at: string) => engineFromBlock({ name: at.split('.').at(-2) ?? 'tool_simulator', ...(engineConfig as object) }, { file: file ?? 'the task', field: at }));
    const embedder = context.embedder ?? ownEmbedder!;
    const registry = await runEnrichments(spec.enrichments, new ToolRegistry(tools, { file, field: `${field}.registry` }), {
      file,
      field: `${field}.enrichments`,
      lmEngine,
      embedder,
      ...(context.env ? { env: context.env } : {}),
    });
    const engines = new Map<string, ToolEngine>();
    for (const [name, entry] of Object.entries(spec.engines)) {
      const at = `${field}.engines.${name}`;
      const type = entry['type'];
      if (!Object.hasOwn(engineSchemas, type)) throw new ConfigError(`unknown tool engine ${JSON.stringify(type)}: expected one of ${Object.keys(engineSchemas).join(', ')}`, { file, field: `${at}.type` });
      const checked = engineSchemas[type as keyof typeof engineSchemas].safeParse(entry);
      if (!checked.success) throw zodIssueToConfigError(checked.error, file, { fieldPrefix: at });
      const engineConfig = checked.data;
      if (engineConfig.type === 'lm') {
        engines.set(name, lmToolEngine({ registry, engine: lmEngine(engineConfig.lm_config, `${at}.lm_config`), errorCategories: engineConfig.error_categories, namespaces: engineConfig.namespaces }));
      } else if (engineConfig.type === 'rest') {
        engines.set(name, restToolEngine({ ...engineConfig, registry }));
      } else {
        engines.set(name, mcpToolEngine({ ...engineConfig, registry, connections, place: { file, field: at, directory: context.directory } }));
      }
    }
    const byNamespace = new Map([...routes].map(([namespace, name]) => [namespace, engines.get(name)!]));
    return { registry, engine: multiToolEngine(byNamespace), engines, close };
  } catch (error) {
    await close();
    throw error;
  }
}
