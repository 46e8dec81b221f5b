import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { buildTools, type Tools } from '../../../lib/tools/build-tools.ts';
import { tempDir } from '../../helpers/temp-dir.ts';

interface Seen { method: string; url: string; body: string; headers: IncomingMessage['headers'] }
const closers: (() => Promise<void>)[] = [];
afterEach(async () => void (await Promise.all(closers.splice(0).map((close) => close()))));

/** A pet store: GET /pets?limit, GET /pets/{petId}, POST /pets (JSON body), GET /broken (500). */
async function petStore(): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    seen.push({ method: request.method!, url: request.url!, body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
    const path = new URL(request.url!, 'http://x').pathname;
    if (path.endsWith('/broken')) return void response.writeHead(500).end('kaput');
    if (path.endsWith('/text')) return void response.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function openApi3(base: string): object {
  return {
    openapi: '3.0.3',
    servers: [{ url: `${base}/v1` }],
    components: { schemas: { NewPet: { type: 'object', properties: { name: { type: 'string' }, tag: { type: 'string' } }, required: ['name'] }, Pet: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' } } } } },
    paths: {
      '/pets': {
        get: { operationId: 'listPets', summary: 'List pets', parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }], responses: { '200': { content: { 'application/json': { schema: { type: 'array' } } } } } },
        post: { operationId: 'addPet', description: 'Add a pet', requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/NewPet' } } } }, responses: { '201': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Pet' } } } } } },
      },
      '/pets/{petId}': { parameters: [{ name: 'petId', in: 'path', schema: { type: 'string' } }], get: { summary: 'Get a pet', parameters: [{ name: 'X-Trace', in: 'header', schema: { type: 'string' } }] } },
      '/health': { get: { operationId: 'health' } },
      '/broken': { get: { operationId: 'broken', parameters: [{ name: 'q', in: 'query' }] } },
    },
  };
}

async function build(config: unknown, directory: string): Promise<Tools> {
  const tools = await buildTools(config, { file: join(directory, 'task.yaml'), directory, embedder: () => { throw new Error('unused'); } });
  closers.push(() => tools.close());
  return tools;
}

describe('rest loader and engine', () => {
  it('makes one tool per operation with parameters from an OpenAPI 3 file, and calls them over HTTP with credentials', async () => {
    const store = await petStore();
    const directory = tempDir();
    writeFileSync(join(directory, 'pets.yaml'), stringify(openApi3(store.url)));
    const tools = await build(
      { registry: [{ type: 'rest', spec: 'pets.yaml', namespace: 'petstore', engine: 'live' }], engines: { live: { type: 'rest', bearer_token: 'tok-123', api_key: { name: 'appid', value: 'k-9', location: 'query' } } } },
      directory,
    );
    expect(tools.registry.toolNames()).toEqual(['addPet', 'broken', 'get_pets_petId', 'listPets']);
    const add = tools.registry.get('petstore::addPet')[0]!;
    expect(add.description).toBe('Add a pet');
    expect(add.parameters).toEqual({ type: 'object', properties: { name: { type: 'string' }, tag: { type: 'string' } }, required: ['name'] });
    expect(add.outputParameters).toMatchObject({ properties: { id: { type: 'integer' } } });
    expect(tools.registry.get('petstore::get_pets_petId')[0]!.parameters['required']).toEqual(['petId']);
    tools.engine.setup('s');
    const { results } = await firstValueFrom(
      tools.engine.execute('s', [
        { name: 'listPets', namespace: 'petstore', arguments: { limit: 2 }, callId: '1' },
        { name: 'get_pets_petId', namespace: 'petstore', arguments: { petId: 'a b', 'X-Trace': 't1' }, callId: '2' },
        { name: 'addPet', namespace: 'petstore', arguments: { name: 'Rex' }, callId: '3' },
        { name: 'get_pets_petId', namespace: 'petstore', arguments: {}, callId: '4' },
        { name: 'broken', namespace: 'petstore', arguments: { q: 'x' }, callId: '5' },
      ]),
    );
    expect(results.map((result) => result.result ?? result.error)).toEqual([
      { ok: true, path: '/v1/pets' },
      { ok: true, path: '/v1/pets/a%20b' },
      { ok: true, path: '/v1/pets' },
      "Missing required path parameter: 'petId'",
      'HTTP 500: kaput',
    ]);
    expect(store.seen.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /v1/pets?appid=k-9&limit=2', 'GET /v1/pets/a%20b?appid=k-9', 'POST /v1/pets?appid=k-9', 'GET /v1/broken?appid=k-9&q=x']);
    expect(store.seen[1]!.headers['x-trace']).toBe('t1');
    expect(store.seen[2]!.body).toBe('{"name":"Rex"}');
    expect(store.seen.every((request) => request.headers.authorization === 'Bearer tok-123')).toBe(true);
  });

  it('a server that echoes the request in an error puts no credential in the tool result', async () => {
    const echo = createServer((request, response) =>
      response.writeHead(401).end(`denied ${request.headers.authorization} ${request.headers['x-team']} at ${request.url}`),
    );
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => echo.close(() => resolve())));
    const base = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    const directory = tempDir();
    writeFileSync(join(directory, 'echo.yaml'), stringify({ openapi: '3.0.3', servers: [{ url: base }], paths: { '/echo': { get: { operationId: 'echo', parameters: [{ name: 'q', in: 'query', schema: { type: 'string' } }] } } } }));
    const tools = await build(
      { registry: [{ type: 'rest', spec: 'echo.yaml', namespace: 'e', engine: 'live' }], engines: { live: { type: 'rest', bearer_token: 'tok-secret-1', headers: { 'x-team': 'team-secret-2' }, api_key: { name: 'appid', value: 'app-secret-3', location: 'query' } } } },
      directory,
    );
    tools.engine.setup('s');
    const { results } = await firstValueFrom(tools.engine.execute('s', [{ name: 'echo', namespace: 'e', arguments: { q: 'x' }, callId: '1' }]));
    expect(results[0]!.error).toBe('HTTP 401: denied Bearer *** *** at /echo?appid=***&q=x');
  });

  it('reads a Swagger 2 document fetched from a URL (body and formData parameters)', async () => {
    const store = await petStore();
    const swagger = {
      swagger: '2.0',
      host: store.url.replace('http://', ''),
      basePath: '/api',
      schemes: ['http'],
      definitions: { Order: { type: 'object', properties: { item: { type: 'string' }, count: { type: 'integer' } }, required: ['item'] } },
      paths: {
        '/orders': { post: { operationId: 'placeOrder', parameters: [{ name: 'order', in: 'body', schema: { $ref: '#/definitions/Order' } }], responses: { '200': { schema: { $ref: '#/definitions/Order' } } } } },
        '/orders/{id}': { get: { operationId: 'getOrder', parameters: [{ name: 'id', in: 'path', required: true, type: 'integer' }] } },
      },
    };
    const docs = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(swagger)));
    await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => docs.close(() => resolve())));
    const docsUrl = `http://127.0.0.1:${(docs.address() as AddressInfo).port}/swagger.json`;
    const tools = await build({ registry: [{ type: 'rest', spec: docsUrl, namespace: 'shop' }], engines: { live: { type: 'rest' } } }, tempDir());
    expect(tools.registry.get('shop::placeOrder')[0]!.parameters).toEqual({ type: 'object', properties: { item: { type: 'string' }, count: { type: 'integer' } }, required: ['item'] });
    expect(tools.registry.get('shop::getOrder')[0]!.parameters).toEqual({ type: 'object', properties: { id: { description: '', type: 'integer' } }, required: ['id'] });
    tools.engine.setup('s');
    const { results } = await firstValueFrom(tools.engine.execute('s', [{ name: 'placeOrder', namespace: 'shop', arguments: { item: 'tea', count: 2 } }, { name: 'getOrder', namespace: 'shop', arguments: { id: 7 } }]));
    expect(results.map((result) => result.result)).toEqual([{ ok: true, path: '/api/orders' }, { ok: true, path: '/api/orders/7' }]);
    expect(store.seen[0]!.body).toBe('{"item":"tea","count":2}');

    // The document names its API on another origin than its own: an engine with credentials does not send them there
    // (nothing reaches the store), until the loader's base_url confirms where calls go.
    const sent = store.seen.length;
    const guarded = await build({ registry: [{ type: 'rest', spec: docsUrl, namespace: 'shop' }], engines: { live: { type: 'rest', bearer_token: 'tok-SECRET' } } }, tempDir());
    guarded.engine.setup('g');
    const refused = await firstValueFrom(guarded.engine.execute('g', [{ name: 'getOrder', namespace: 'shop', arguments: { id: 7 } }]));
    expect(refused.results[0]!.error).toMatch(/^Tool 'getOrder': its API at http:\/\/127\.0\.0\.1:\d+\/api is not where its OpenAPI document came from, so the engine's credentials are not sent there/);
    expect(store.seen.length).toBe(sent);
    const confirmed = await build({ registry: [{ type: 'rest', spec: docsUrl, namespace: 'shop', base_url: `${store.url}/api` }], engines: { live: { type: 'rest', bearer_token: 'tok-SECRET' } } }, tempDir());
    confirmed.engine.setup('c');
    const { results: allowed } = await firstValueFrom(confirmed.engine.execute('c', [{ name: 'getOrder', namespace: 'shop', arguments: { id: 7 } }]));
    expect(allowed.map((result) => result.result)).toEqual([{ ok: true, path: '/api/orders/7' }]);
    expect(store.seen.length).toBe(sent + 1);
  });

  it('is a ConfigError naming the spec field: a file outside the folder, not OpenAPI, bad YAML, an unreachable URL (credentials hidden)', async () => {
    const directory = tempDir();
    writeFileSync(join(directory, 'not-api.json'), '{"hello": 1}');
    writeFileSync(join(directory, 'bad.yaml'), 'openapi: [unclosed');
    const cases: [string, RegExp][] = [
      ['../elsewhere.yaml', /lies outside the folder/],
      ['not-api.json', /not an OpenAPI 3 or Swagger 2 document/],
      ['bad.yaml', /`bad.yaml` is not valid YAML/],
      ['http://bob:hunter2@127.0.0.1:9/api.json?api_key=zzz', /cannot fetch the OpenAPI document http:\/\/\*\*\*@127.0.0.1:9\/api.json\?api_key=\*\*\*/],
    ];
    for (const [spec, message] of cases) {
      const error = await buildTools({ registry: [{ type: 'rest', spec }] }, { file: join(directory, 'task.yaml'), directory, embedder: () => { throw new Error('unused'); } }).catch((caught: unknown) => caught);
      expect(ConfigError.isInstance(error) && error.field).toBe('tools.registry.0.spec');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/hunter2|zzz/);
    }
  });
});
