import { ConfigError } from '../../errors/config-error.ts';
import { errorMessage } from '../../error-message.ts';
import type { McpConnections } from '../mcp-connections.ts';
import { type Tool, defaultNamespace } from '../tool.ts';
import type { McpLoaderConfig } from '../tools-config.ts';
import type { LoaderPlace, ToolLoader } from './tool-loader.ts';

/** Tool metadata keys the MCP loader writes and the MCP engine reads. */
export const mcpMetadataKeys = { server: 'mcp_server', transport: 'mcp_transport' } as const;

/**
 * DGT's `mcp` loader: the tools an MCP server lists (`tools/list`, every page), with their input and output
 * schemas. The server is started with `command`/`args` (stdio) or reached at `url` (streamable HTTP, with
 * `bearer_token`, `basic_auth` or `headers`); the session stays open for the `mcp` engine.
 *
 * ## Example
 * ```yaml
 * - type: mcp
 *   command: node
 *   args: [servers/hr.js]
 *   namespace: hr_api
 *   engine: live
 * ```
 * @throws {ConfigError} (from `load`) naming the task file and the entry's field when the server does not start,
 *   cannot be reached or fails to list its tools; credentials never appear in the message
 */
export function mcpToolLoader(config: McpLoaderConfig, place: LoaderPlace, connections: McpConnections): ToolLoader {
  return {
    type: 'mcp',
    async load() {
      const connection = await connections.open(config, place);
      const tools: Tool[] = [];
      let cursor: string | undefined;
      try {
        do {
          const page = await connection.client.listTools(cursor === undefined ? {} : { cursor }, { timeout: connection.timeoutMs });
          for (const tool of page.tools) {
            tools.push({
              name: tool.name,
              namespace: config.namespace ?? defaultNamespace,
              description: tool.description ?? '',
              parameters: (tool.inputSchema as Record<string, unknown> | undefined) ?? {},
              outputParameters: (tool.outputSchema as Record<string, unknown> | undefined) ?? {},
              metadata: { [mcpMetadataKeys.server]: connection.key, [mcpMetadataKeys.transport]: connection.transport },
            });
          }
          cursor = page.nextCursor;
        } while (cursor);
      } catch (error) {
        throw new ConfigError(`the MCP server \`${connection.key}\` failed to list its tools: ${connection.redact(errorMessage(error))}`, { file: place.file, field: place.field, cause: error });
      }
      return tools;
    },
  };
}
