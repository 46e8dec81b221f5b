import { isAbsolute } from 'node:path';
import { createHash } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { resolveInside } from '../blocks/resolve-inside.ts';
import { ConfigError } from '../errors/config-error.ts';
import { errorMessage } from '../error-message.ts';
import { redactUrl } from '../redact-url.ts';
import type { McpServerConfig } from './tools-config.ts';
import { authorizationOf, blankSecrets } from './tool-credentials.ts';

/** Where an MCP server config was written, and the task's folder (a `cwd` must lie inside it). */
export interface McpPlace {
  readonly file: string | undefined;
  readonly field: string;
  readonly directory: string;
}

/** One open session with an MCP server. */
export interface McpConnection {
  /** The pool's key of the server: `stdio:<command> <args>` or `http:<url without credentials>`. */
  readonly key: string;
  readonly transport: 'stdio' | 'streamable_http';
  readonly client: Client;
  /** Request timeout, in ms. */
  readonly timeoutMs: number;
  /** What the server said, with the config's secrets and URL credentials blanked out (see `blankSecrets`). */
  redact(text: string): string;
}

/**
 * The server an MCP config names, as a key safe to print and store: the command (not its arguments, which may hold a
 * token) or the URL without credentials, then a digest of everything else that makes it another session (arguments,
 * environment, folder, headers, credentials), so two configs differing only there never share a session.
 */
export function mcpServerKey(config: McpServerConfig): string | undefined {
  const url = config.url ?? config.base_url;
  const shown = config.command ? `stdio:${config.command}` : url ? `http:${redactUrl(url)}` : undefined;
  if (shown === undefined) return undefined;
  const rest = JSON.stringify([config.args, config.env, config.cwd, config.headers, config.bearer_token, config.basic_auth, url]);
  return `${shown}#${createHash('sha256').update(rest).digest('hex').slice(0, 12)}`;
}

/**
 * The MCP sessions of a run: one per server (a command started over stdio, or a streamable-HTTP URL), opened on
 * first use and shared by the `mcp` loader that listed the tools and the `mcp` engine that calls them. `close` ends
 * them all (and the servers rxdgt started).
 *
 * ## Example
 * ```ts
 * const connections = new McpConnections();
 * const connection = await connections.open({ command: 'node', args: ['server.js'], timeout: 10 }, place);
 * (await connection.client.listTools()).tools.map((tool) => tool.name);
 * await connections.close();
 * ```
 */
export class McpConnections {
  private readonly sessions = new Map<string, Promise<McpConnection>>();

  /**
   * The session of the config's server, opened if needed.
   * @throws {ConfigError} naming the file and the field: neither `command` nor `url`, both, a server that does not
   *   start or answer (with its stderr, or the HTTP error, credentials removed)
   */
  open(config: McpServerConfig, place: McpPlace): Promise<McpConnection> {
    const url = config.url ?? config.base_url;
    if (config.command && url) throw new ConfigError('an MCP server is either started (`command`) or reached (`url`), not both', { file: place.file, field: `${place.field}.command` });
    const key = mcpServerKey(config);
    if (key === undefined) throw new ConfigError('an MCP server needs `command` (started over stdio) or `url` (streamable HTTP)', { file: place.file, field: place.field });
    let connection = this.sessions.get(key);
    if (!connection) {
      connection = connect(config, key, place);
      this.sessions.set(key, connection);
      connection.catch(() => this.sessions.delete(key));
    }
    return connection;
  }

  /** The open session of a server key, if any. */
  get(key: string): Promise<McpConnection> | undefined {
    return this.sessions.get(key);
  }

  /** Closes every session; a server rxdgt started is stopped. */
  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((connection) => connection.then((open) => open.client.close()).catch(() => undefined)));
  }
}

function headersOf(config: McpServerConfig): Record<string, string> {
  const authorization = authorizationOf(config);
  return { ...config.headers, ...(authorization === undefined ? {} : { Authorization: authorization }) };
}

async function connect(config: McpServerConfig, key: string, place: McpPlace): Promise<McpConnection> {
  const timeoutMs = config.timeout * 1000;
  // The SDK loads with the first connection, not with the CLI: a run without MCP tools never pays its start-up.
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const client = new Client({ name: 'rxdgt', version: '0.1.0' });
  const where = { file: place.file, field: `${place.field}.${config.command ? 'command' : config.url ? 'url' : 'base_url'}` };
  if (config.command) {
    const cwd = config.cwd ? resolveInside(place.directory, config.cwd, { file: place.file ?? 'the task', field: `${place.field}.cwd` }) : place.directory;
    // A relative path (`./server.js`) is the task's own program: it must lie in the task's folder. A bare name is looked
    // up on PATH and an absolute path is an installed program, as a shell runs them.
    const command = /[\\/]/.test(config.command) && !isAbsolute(config.command) ? resolveInside(cwd, config.command, { file: place.file ?? 'the task', field: `${place.field}.command` }) : config.command;
    const { StdioClientTransport, getDefaultEnvironment } = await import('@modelcontextprotocol/sdk/client/stdio.js');
    const transport = new StdioClientTransport({ command, args: config.args, env: { ...getDefaultEnvironment(), ...config.env }, cwd, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-2000);
    });
    try {
      await client.connect(transport, { timeout: timeoutMs });
    } catch (error) {
      await client.close().catch(() => undefined);
      const said = stderr.trim() ? `; it wrote: ${blankSecrets(stderr.trim().split('\n').slice(-5).join(' | '), config)}` : '';
      throw new ConfigError(`the MCP server \`${config.command}\` did not start: ${blankSecrets(errorMessage(error), config)}${said}`, { ...where, cause: error });
    }
    return { key, transport: 'stdio', client, timeoutMs, redact: (text) => blankSecrets(text, config) };
  }
  const url = (config.url ?? config.base_url)!;
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: headersOf(config) } });
  try {
    await client.connect(transport, { timeout: timeoutMs });
  } catch (error) {
    await client.close().catch(() => undefined);
    throw new ConfigError(`cannot reach the MCP server ${redactUrl(url)}: ${blankSecrets(errorMessage(error), config)}`, { ...where, cause: error });
  }
  return { key, transport: 'streamable_http', client, timeoutMs, redact: (text) => blankSecrets(text, config) };
}
