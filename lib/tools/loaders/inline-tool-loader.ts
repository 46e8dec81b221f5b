import { toolFromDict } from '../tool-from-dict.ts';
import type { InlineLoaderConfig } from '../tools-config.ts';
import type { LoaderPlace, ToolLoader } from './tool-loader.ts';

/**
 * DGT's `inline` loader: tool definitions written in the task (`tools`), namespace `namespace` (default `default`).
 *
 * ## Example
 * ```yaml
 * - type: inline
 *   namespace: retrieval
 *   tools:
 *     - name: search_documents
 *       parameters: { type: object, properties: { query: { type: string } }, required: [query] }
 * ```
 * @throws {ConfigError} (from `load`) naming the task file and the definition's field when one is not a tool
 */
export function inlineToolLoader(config: InlineLoaderConfig, place: LoaderPlace): ToolLoader {
  return {
    type: 'inline',
    load: async () => config.tools.map((dict, index) => toolFromDict(dict, config.namespace, { file: place.file, field: `${place.field}.tools.${index}` })),
  };
}
