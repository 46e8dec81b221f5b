import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { seededRandom } from '../../lib/random.ts';
import { buildTools, type Tools } from '../../lib/tools/build-tools.ts';
import { createToolSampler } from '../../lib/tools/samplers/create-tool-sampler.ts';
import { toolDict } from '../../lib/tools/tool-dict.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const start = useTestServers();
const opened: Tools[] = [];
afterEach(async () => void (await Promise.all(opened.splice(0).map((tools) => tools.close()))));

async function build(config: unknown, directory: string, env: Record<string, string> = {}): Promise<Tools> {
  const tools = await buildTools(config, { file: join(directory, 'task.yaml'), directory, env });
  opened.push(tools);
  return tools;
}

async function configError(config: unknown, directory: string, env: Record<string, string> = {}): Promise<ConfigError> {
  const error = await buildTools(config, { file: join(directory, 'task.yaml'), directory, env }).catch((caught: unknown) => caught);
  if (!ConfigError.isInstance(error)) throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

const weather = { name: 'get_weather', description: 'Current weather for a city.', parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] }, output_parameters: { type: 'object', properties: { temperature: { type: 'number' }, sky: { type: 'string' } }, required: ['temperature'] } };

describe('buildTools', () => {
  it('loads DGT file shapes and inline tools with their namespaces', async () => {
    const directory = tempDir();
    mkdirSync(join(directory, 'tools'));
    writeFileSync(join(directory, 'tools', 'shape1.yaml'), 'weather_api:\n  - name: get_weather\n    parameters: { type: object }\n');
    writeFileSync(join(directory, 'tools', 'shape2.json'), JSON.stringify([{ name: 'convert', namespace: 'own' }, { name: 'round' }]));
    writeFileSync(join(directory, 'tools', 'shape3.yml'), 'Lookup:\n  name: lookup\n  description: Find it.\n');
    const tools = await build(
      {
        registry: [
          { type: 'file', path: 'tools/shape1.yaml' },
          { type: 'file', path: 'tools/shape2.json', namespace: 'math' },
          { type: 'file', path: 'tools/shape3.yml' },
          { type: 'inline', namespace: 'retrieval', tools: [{ name: 'search_documents', parameters: { type: 'object', properties: { query: { type: 'string' } } } }] },
        ],
      },
      directory,
    );
    expect(tools.registry.all().map((tool) => `${tool.namespace}::${tool.name}`)).toEqual(['weather_api::get_weather', 'own::convert', 'math::round', 'default::lookup', 'retrieval::search_documents']);
    expect(toolDict(tools.registry.get('default::lookup')[0]!)).toEqual({ name: 'lookup', namespace: 'default', description: 'Find it.', parameters: {} });
    // What a record or a prompt gets of a tool's metadata has no credentials.
    const lookup = tools.registry.get('default::lookup')[0]!;
    const withSecrets = { ...lookup, metadata: { rest_base_url: 'https://alice:pw@api.example/v1', api_key: 'k-1', mcp_transport: 'stdio' } };
    expect(toolDict(withSecrets).metadata).toEqual({ rest_base_url: 'https://***@api.example/v1', api_key: '***', mcp_transport: 'stdio' });
  });

  it('is a ConfigError naming the file and field for specs that do not parse, unknown names, duplicates and paths outside the folder', async () => {
    const directory = tempDir();
    writeFileSync(join(directory, 'broken.yaml'), 'tools: [unclosed');
    writeFileSync(join(directory, 'scalar.json'), '42');
    writeFileSync(join(directory, 'nameless.yaml'), '- description: no name\n');
    const cases: [unknown, string | undefined, RegExp][] = [
      [{ registry: [{ type: 'file', path: 'broken.yaml' }] }, 'tools.registry.0.path', /`broken.yaml` is not valid YAML/],
      [{ registry: [{ type: 'file', path: 'scalar.json' }] }, undefined, /a tool file holds a list of tool definitions/],
      [{ registry: [{ type: 'file', path: 'nameless.yaml' }] }, '0.name', /invalid tool definition/],
      [{ registry: [{ type: 'file', path: 'missing.yaml' }] }, 'tools.registry.0.path', /cannot read `missing.yaml`/],
      [{ registry: [{ type: 'file', path: '../../etc/passwd.yaml' }] }, 'tools.registry.0.path', /lies outside the folder/],
      [{ registry: [{ type: 'file', path: 'tools.txt' }] }, 'tools.registry.0.path', /unsupported extension `.txt`/],
      [{ registry: [{ type: 'graphql', url: 'x' }] }, 'tools.registry.0.type', /unknown tool loader "graphql": expected one of file, inline, rest, mcp/],
      [{ registry: [{ type: 'inline', tools: [{ name: 'a' }], engine: 'sim' }] }, 'tools.registry.0.engine', /engine `sim` is not among `tools.engines`/],
      [{ registry: [{ type: 'inline', tools: [{ name: 'a' }] }], engines: { sim: { type: 'quantum' } } }, 'tools.engines.sim.type', /unknown tool engine "quantum": expected one of lm, mcp, rest/],
      [{ registry: [{ type: 'inline', tools: [{ name: 'a' }] }], enrichments: [{ type: 'magic' }] }, 'tools.enrichments.0.type', /unknown tool enrichment "magic"/],
      [{ registry: [{ type: 'inline', tools: [{ name: 'a' }, { name: 'a' }] }] }, 'tools.registry', /duplicate tool `default::a`/],
      [{ registry: [{ type: 'inline', tools: [{ name: 'a' }] }], enrichments: [{ type: 'neighbors' }] }, 'tools.enrichments.0.type', /needs the `embeddings` artifact/],
      [{ registry: [] }, 'tools.registry', /.+/],
    ];
    for (const [config, field, message] of cases) {
      const error = await configError(config, directory);
      expect(error.field, String(message)).toBe(field);
      expect(error.message).toMatch(message);
    }
  });

  it('says what to set when an embedding enrichment has neither an endpoint nor an embedding_config', async () => {
    const error = await configError({ registry: [{ type: 'inline', tools: [weather] }], enrichments: [{ type: 'embeddings', model: 'sentence-transformers/all-mpnet-base-v2' }] }, tempDir());
    expect(error.field).toBe('tools.enrichments.0.model');
    expect(error.message).toMatch(/set RXDGT_EMBEDDINGS_URL .* RXDGT_EMBEDDINGS_MODEL .* or give the enrichment an `embedding_config`/);
  });

  it('simulates results with the lm engine: history as context, structured output, schema checks, seeded error injection', async () => {
    const server = await start({
      respond: (request) => {
        const last = String(request.body.messages.at(-1).content);
        if (last.includes('"Bergen"')) return 'no json here';
        if (last.includes('"Tromso"')) return '{"error": "city not covered"}';
        return '{"result": {"temperature": 4, "sky": "", "unknown": 1}}';
      },
    });
    const directory = tempDir();
    const tools = await build(
      {
        registry: [{ type: 'inline', namespace: 'weather_api', tools: [weather], engine: 'sim' }],
        engines: { sim: { type: 'lm', lm_config: { type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model' } } },
      },
      directory,
    );
    tools.engine.setup('c1');
    const call = (city: string, callId: string) => ({ name: 'get_weather', namespace: 'weather_api', arguments: { city }, callId });
    const { results, usage } = await firstValueFrom(tools.engine.execute('c1', [call('Oslo', '$1'), call('Bergen', '$2'), call('Tromso', '$3'), { name: 'nope', namespace: 'weather_api', arguments: {}, callId: '$4' }]));
    expect(results).toEqual([
      { callId: '$1', name: 'get_weather', result: { temperature: 4 } },
      { callId: '$2', name: 'get_weather', error: 'failed to generate valid tool result' },
      { callId: '$3', name: 'get_weather', error: 'city not covered' },
      { callId: '$4', name: 'nope', error: "Unknown tool 'weather_api::nope'" },
    ]);
    expect(usage?.calls).toBe(3);
    const third = server.requests.filter((request) => request.path === '/v1/chat/completions')[2]!.body;
    expect(third.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'get_weather', schema: weather.output_parameters } });
    // Earlier calls and results come before the current call.
    expect(third.messages.map((message: { role: string }) => message.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(third.messages[1].content).toContain('"Oslo"');
    expect(third.messages[2].content).toContain('"temperature": 4');
    expect((tools.engine.sessionState('c1') as { weather_api: { tool_executions: unknown[] } }).weather_api.tool_executions).toHaveLength(4);
    await firstValueFrom(tools.engine.simulate('c1', [call('Oslo', '$5')]));
    expect((tools.engine.sessionState('c1') as { weather_api: { tool_executions: unknown[] } }).weather_api.tool_executions).toHaveLength(4);
    tools.engine.teardown('c1');
    await expect(firstValueFrom(tools.engine.execute('c1', []))).rejects.toThrow(/not active/);

    const flaky = await build(
      {
        registry: [{ type: 'inline', namespace: 'weather_api', tools: [weather], engine: 'sim' }],
        engines: { sim: { type: 'lm', lm_config: { type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model' }, error_categories: [{ type: 'network_error', probability: 0.5, message: 'Connection timed out' }, { type: 'unparseable_result', probability: 0.3 }] } },
      },
      directory,
    );
    const run = async (seed: number) => {
      flaky.engine.setup(`s${seed}`, { random: seededRandom(seed) });
      const { results: made } = await firstValueFrom(flaky.engine.execute(`s${seed}`, Array.from({ length: 12 }, (_, index) => call('Oslo', String(index)))));
      flaky.engine.teardown(`s${seed}`);
      return made.map((result) => result.error ?? (typeof result.result === 'string' ? 'garbled' : 'ok'));
    };
    const first = await run(42);
    expect(await run(42)).toEqual(first);
    expect(new Set(first)).toEqual(new Set(['ok', 'garbled', 'Connection timed out']));
  });

  it('runs output_parameters, embeddings, neighbors and dataflow in dependency order, for tc/neighbor and tc/chain', async () => {
    const server = await start({ respond: () => '{"type": "object", "properties": {"city": {"type": "string", "description": "City name"}}}' });
    const directory = tempDir();
    const geocode = { name: 'find_city', description: 'Find the city of a place.', parameters: { type: 'object', properties: { place: { type: 'string', description: 'A place' } } } };
    const tools = await build(
      {
        registry: [{ type: 'inline', namespace: 'geo', tools: [weather, geocode] }],
        enrichments: [
          { type: 'neighbors', max_neighbors: 5 },
          { type: 'dataflow' },
          { type: 'embeddings' },
          { type: 'output_parameters', lm_config: { type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model' } },
        ],
      },
      directory,
      { RXDGT_EMBEDDINGS_URL: `${server.baseURL}`, RXDGT_EMBEDDINGS_MODEL: 'test-embedder' },
    );
    expect(tools.registry.get('geo::find_city')[0]!.outputParameters).toEqual({ type: 'object', properties: { city: { type: 'string', description: 'City name' } } });
    expect(tools.registry.get('geo::get_weather')[0]!.outputParameters).toEqual(weather.output_parameters);
    expect([...tools.registry.artifacts.keys()].sort()).toEqual(['dataflow', 'embeddings', 'neighbors']);
    const embeddingRequests = server.requests.filter((request) => request.path === '/v1/embeddings');
    expect(embeddingRequests.length).toBeGreaterThan(0);
    expect(embeddingRequests.every((request) => request.body.model === 'test-embedder')).toBe(true);
    // find_city outputs `city` (a string), get_weather takes `city`: the one dataflow edge.
    const chain = createToolSampler({ type: 'tc/chain', k: 2 }, tools.registry, { file: 'task.yaml', field: 'sampler' });
    const chains = new Set<string>();
    for (let seed = 0; seed < 10; seed += 1) {
      try {
        chains.add(chain.sample(seededRandom(seed)).map((tool) => tool.name).join('>'));
      } catch {
        chains.add('dead end');
      }
    }
    expect(chains).toContain('find_city>get_weather');
    const neighbor = createToolSampler({ type: 'tc/neighbor', k: 2, min_score: 0.0 }, tools.registry, { file: 'task.yaml', field: 'sampler' });
    expect(new Set(neighbor.sample(seededRandom(1)).map((tool) => tool.name))).toEqual(new Set(['find_city', 'get_weather']));
  });
});
