import { Observable, concatMap, defer, from, map, reduce } from 'rxjs';
import { errorMessage } from '../../error-message.ts';
import { mcpMetadataKeys } from '../loaders/mcp-tool-loader.ts';
import type { McpConnection, McpConnections, McpPlace } from '../mcp-connections.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import type { ToolCall, ToolResult } from '../tool.ts';
import type { McpEngineConfig } from '../tools-config.ts';
import type { ToolEngine, ToolExecution } from './tool-engine.ts';
import { ToolSessions } from './tool-sessions.ts';

/** The text of an MCP result's content blocks, joined. */
function textOf(content: unknown): string {
  if (!Array.isArray(content)) return content ? String(content) : '';
  return content
    .map((block) => (typeof block === 'object' && block !== null && typeof (block as { text?: unknown }).text === 'string' ? (block as { text: string }).text : ''))
    .filter(Boolean)
    .join(' ')
    .trim();
}

/** One `tools/call`, cancelled on unsubscribe; a tool error or a failed request is an error result. */
function callTool(connection: McpConnection, call: ToolCall, name: string): Observable<ToolResult> {
  return new Observable<ToolResult>((subscriber) => {
    const controller = new AbortController();
    const done = (result: Omit<ToolResult, 'callId' | 'name'>): void => {
      subscriber.next({ callId: call.callId, name: call.name, ...result });
      subscriber.complete();
    };
    connection.client
      .callTool({ name, arguments: { ...call.arguments } }, undefined, { signal: controller.signal, timeout: connection.timeoutMs })
      .then((answer) => {
        if (answer.isError) return done({ error: connection.redact(textOf(answer.content)) || 'Tool reported isError=true' });
        return done({ result: answer.structuredContent ?? answer.content });
      })
      .catch((error: unknown) => {
        if (!subscriber.closed) done({ error: connection.redact(errorMessage(error)) });
      });
    return () => controller.abort();
  });
}

/**
 * DGT's `mcp` tool engine: each call goes to the MCP server that listed its tool (the session the `mcp` loader
 * opened), or to this engine's own server when it names one (`command` or `url`). The result is the tool's
 * structured content when it gives one, else its content blocks; a tool error (`isError`) is an error result with
 * its text. `simulate` calls the server too: it only keeps no history.
 *
 * ## Example
 * ```yaml
 * engines:
 *   live: { type: mcp, timeout: 30 }
 * ```
 */
export function mcpToolEngine(config: McpEngineConfig & { readonly registry: ToolRegistry; readonly connections: McpConnections; readonly place: McpPlace }): ToolEngine {
  const sessions = new ToolSessions<Record<string, never>>(() => ({}));
  const ownServer = config.command || config.url || config.base_url ? config : undefined;
  const connectionOf = (serverKey: unknown): Promise<McpConnection> | undefined =>
    ownServer ? config.connections.open(ownServer, config.place) : typeof serverKey === 'string' ? config.connections.get(serverKey) : undefined;
  const run = (sessionId: string, calls: readonly ToolCall[]): Observable<ToolExecution> =>
    defer(() => {
      sessions.get(sessionId);
      return from(calls).pipe(
        concatMap((call): Observable<ToolResult> | ToolResult[] => {
          const tool = config.registry.match(call, config.namespaces);
          if (!tool) return [{ callId: call.callId, name: call.name, error: `Unknown tool '${call.namespace}::${call.name}'` }];
          const connection = connectionOf(tool.metadata[mcpMetadataKeys.server]);
          if (!connection) return [{ callId: call.callId, name: call.name, error: `Tool '${call.name}' metadata missing '${mcpMetadataKeys.server}'. Was it loaded by the mcp loader?` }];
          return from(connection.then((open) => open, (error: unknown) => error as Error)).pipe(
            concatMap((open) => (open instanceof Error ? [{ callId: call.callId, name: call.name, error: errorMessage(open) }] : callTool(open, call, tool.name))),
          );
        }),
        reduce((results, result) => [...results, result], [] as ToolResult[]),
        map((results) => ({ results, usage: undefined })),
      );
    });
  return {
    type: 'mcp',
    setup: (sessionId, options) => sessions.setup(sessionId, options),
    teardown: (sessionId) => sessions.teardown(sessionId),
    execute: run,
    simulate: run,
    sessionState: (sessionId) => (sessions.has(sessionId) ? {} : undefined),
  };
}
