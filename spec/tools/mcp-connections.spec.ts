import { fileURLToPath } from 'node:url';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { buildTools, type Tools } from '../../lib/tools/build-tools.ts';
import { mcpServerKey } from '../../lib/tools/mcp-connections.ts';
import type { McpServerConfig } from '../../lib/tools/tools-config.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { startHttpMcpServer } from './fixtures/http-mcp-server.ts';

const serverFile = fileURLToPath(new URL('./fixtures/hr-mcp-server.ts', import.meta.url));
// The task folder is a temp dir: tsx is named by its file so that the child finds it from there.
const tsxLoader = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
const stdio = { type: 'mcp', command: process.execPath, args: ['--import', tsxLoader, serverFile, '--stdio'], namespace: 'hr', engine: 'live' };
const opened: Tools[] = [];
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((tools) => tools.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function build(config: unknown, directory = tempDir()): Promise<Tools> {
  const tools = await buildTools(config, { file: `${directory}/task.yaml`, directory, embedder: () => { throw new Error('no embeddings'); } });
  opened.push(tools);
  return tools;
}

describe('mcp loader and engine', () => {
  it('lists and calls the tools of a server started over stdio', async () => {
    const tools = await build({ registry: [stdio], engines: { live: { type: 'mcp' } } });
    expect(tools.registry.toolNames()).toEqual(['add', 'fail', 'lookup_employee']);
    const add = tools.registry.get('hr::add')[0]!;
    expect(add.parameters).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
    expect(add.outputParameters).toMatchObject({ properties: { sum: { type: 'number' } } });
    expect(add.metadata['mcp_transport']).toBe('stdio');
    tools.engine.setup('c1');
    const { results } = await firstValueFrom(
      tools.engine.execute('c1', [
        { name: 'add', namespace: 'hr', arguments: { a: 2, b: 3 }, callId: '$1' },
        { name: 'lookup_employee', namespace: 'hr', arguments: { id: '7' }, callId: '$2' },
        { name: 'fail', namespace: 'hr', arguments: { reason: 'no' }, callId: '$3' },
        { name: 'missing', namespace: 'hr', arguments: {}, callId: '$4' },
      ]),
    );
    expect(results[0]).toEqual({ callId: '$1', name: 'add', result: { sum: 5 } });
    expect(results[1]).toEqual({ callId: '$2', name: 'lookup_employee', result: [{ type: 'text', text: 'employee 7: Ada' }] });
    expect(results[2]).toEqual({ callId: '$3', name: 'fail', error: 'refused: no' });
    expect(results[3]!.error).toBe("Unknown tool 'hr::missing'");
  });

  it('lists and calls the tools of a server over streamable HTTP, with a bearer token', async () => {
    const server = await startHttpMcpServer('s3cret-token');
    servers.push(server);
    const tools = await build({ registry: [{ type: 'mcp', url: server.url, bearer_token: 's3cret-token', namespace: 'hr', engine: 'live' }], engines: { live: { type: 'mcp' } } });
    expect(tools.registry.get('hr::add')[0]!.metadata).toEqual({ mcp_server: expect.stringMatching(new RegExp(`^http:${server.url}#[0-9a-f]{12}$`)), mcp_transport: 'streamable_http' });
    tools.engine.setup('c1');
    const { results } = await firstValueFrom(tools.engine.execute('c1', [{ name: 'add', namespace: 'hr', arguments: { a: 1, b: 1 } }]));
    expect(results[0]!.result).toEqual({ sum: 2 });
  });

  it('is a ConfigError naming the field when the server does not start, or refuses the credentials (never shown)', async () => {
    const directory = tempDir();
    const broken = build({ registry: [{ ...stdio, args: ['-e', 'process.stderr.write("boom: missing module"); process.exit(3)'] }], engines: { live: { type: 'mcp' } } }, directory);
    await expect(broken).rejects.toSatisfy((error: unknown) => ConfigError.isInstance(error) && error.field === 'tools.registry.0.command' && /did not start/.test(error.message) && /boom: missing module/.test(error.message));
    const server = await startHttpMcpServer('right');
    servers.push(server);
    const url = server.url.replace('http://', 'http://alice:pa55word@');
    const refused = build({ registry: [{ type: 'mcp', url, bearer_token: 'wrong-token-value', namespace: 'hr' }] });
    await expect(refused).rejects.toSatisfy(
      (error: unknown) => ConfigError.isInstance(error) && error.field === 'tools.registry.0.url' && !error.message.includes('pa55word') && !error.message.includes('wrong-token-value'),
    );
  });
});

describe('mcpServerKey', () => {
  it('names the command or the URL without credentials, and tells apart configs that differ in arguments, environment or credentials', () => {
    const base = { command: 'node', args: ['server.js', '--token', 'ghp_SECRET'], timeout: 10 } as McpServerConfig;
    const key = mcpServerKey(base)!;
    expect(key).toMatch(/^stdio:node#[0-9a-f]{12}$/);
    expect(key).not.toContain('ghp_SECRET');
    expect(mcpServerKey({ ...base, env: { TENANT: 'b' } })).not.toBe(key);
    const http = mcpServerKey({ url: 'https://alice:pw@mcp.example/mcp', bearer_token: 't1', timeout: 10 } as McpServerConfig)!;
    expect(http).toMatch(/^http:https:\/\/\*\*\*@mcp\.example\/mcp#[0-9a-f]{12}$/);
    expect(mcpServerKey({ url: 'https://alice:pw@mcp.example/mcp', bearer_token: 't2', timeout: 10 } as McpServerConfig)).not.toBe(http);
  });
});
