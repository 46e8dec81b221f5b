import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, expectTypeOf, test } from 'vitest';
import { z } from 'zod';
import { ApiCallError } from '../../lib/errors/api-call-error.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { type Engine, type EngineConfig, createEngine } from '../../lib/model/engine.ts';
import type { LanguageModel } from '../../lib/model/language-model.ts';
import { createAnthropic } from '../../lib/providers/anthropic/anthropic-model.ts';
import { createOllamaNative } from '../../lib/providers/ollama-native/ollama-native-model.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { createSimulated, simulatedLabel } from '../../lib/providers/simulated/simulated-model.ts';
import type { Outcome, Rejected } from '../../lib/record.ts';
import { countMessageWords, countWords } from '../../lib/testing/test-server-bodies.ts';
import type { TestServer, TestServerRequest } from '../../lib/testing/test-server.ts';
import { extractJson } from '../../lib/text/extract-json.ts';
import { generate } from '../../operators/generate.ts';
import { type Question, askOf } from '../helpers/outcomes.ts';
import { type AnthropicServer, startAnthropicServer } from '../helpers/servers/anthropic-server.ts';
import { type OllamaServer, startOllamaServer } from '../helpers/servers/ollama-server.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';

const start = useTestServers();

const person = z.object({
  name: z.string(),
  age: z.number().int().min(0),
  email: z.string().nullable(),
  role: z.enum(['author', 'editor']),
  tags: z.array(z.object({ label: z.string() })),
});
type Person = z.output<typeof person>;

const ada: Person = { name: 'Ada', age: 36, email: null, role: 'author', tags: [{ label: 'math' }] };
const adaJson = JSON.stringify(ada);

function engineFor(model: LanguageModel, config: EngineConfig = {}): Engine {
  return createEngine(model, { retryDelayMs: 1, ...config });
}

function openAIEngine(server: TestServer, config: EngineConfig = {}): Engine {
  return engineFor(createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' }), config);
}

/** Scripts the test server's answers by request index; the last one repeats. */
function answers(...texts: string[]): { respond: (request: TestServerRequest, index: number) => string } {
  return { respond: (_request, index) => texts[Math.min(index, texts.length - 1)]! };
}

const prompt = (record: Question) => record.question;

function run<Out>(operator: ReturnType<typeof generate<Question, Out>>, ...questions: string[]): Promise<Outcome<Out>[]> {
  const inputs = questions.map((question, index) => askOf(index, question));
  return lastValueFrom(from(inputs).pipe(operator, toArray())).then((outcomes) => outcomes.sort((left, right) => Number(left.id) - Number(right.id)));
}

describe('generate with a schema, over HTTP (OpenAI wire format)', () => {
  test('the request carries response_format json_schema: strict, every field required, no extra keys, no $schema', async () => {
    const server = await start(answers(adaJson));
    await run(generate({ engine: openAIEngine(server), prompt, schema: person, schemaName: 'person' }), 'Who?');
    const format = server.requests[0]?.body.response_format;
    expect(format).toEqual({ type: 'json_schema', json_schema: { name: 'person', strict: true, schema: expect.any(Object) } });
    const schema = format.json_schema.schema;
    expect(schema).not.toHaveProperty('$schema');
    const { $schema: _dialect, ...expected } = z.toJSONSchema(person);
    expect(schema).toEqual(expected);
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['name', 'age', 'email', 'role', 'tags'] });
    expect(schema.properties.email).toEqual({ type: ['string', 'null'] });
    expect(schema.properties.tags.items).toMatchObject({ type: 'object', required: ['label'], additionalProperties: false });
  });

  test('the schema name defaults to `output`', async () => {
    const server = await start(answers(adaJson));
    await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who?');
    expect(server.requests[0]?.body.response_format.json_schema.name).toBe('output');
  });

  test('a valid JSON answer becomes a typed record: by default under `result`, or `outputField`, or by `toRecord`', async () => {
    const server = await start(answers(adaJson));
    const engine = openAIEngine(server);
    const [plain] = await run(generate({ engine, prompt, schema: person }), 'Who?');
    expect(plain).toMatchObject({ status: 'accepted', record: { question: 'Who?', result: ada } });
    expectTypeOf(plain!).toEqualTypeOf<Outcome<Question & { readonly result: Person }>>();

    const [named] = await run(generate({ engine, prompt, schema: person, outputField: 'author' }), 'Who?');
    expect(named?.record).toEqual({ question: 'Who?', author: ada });
    expectTypeOf(named!).toEqualTypeOf<Outcome<Question & { readonly author: Person }>>();

    const toRecord = (value: Person, record: Question) => ({ question: record.question, answer: `${value.name}, ${value.age}` });
    const [mapped] = await run(generate({ engine, prompt, schema: person, toRecord }), 'Who?');
    expect(mapped?.record).toEqual({ question: 'Who?', answer: 'Ada, 36' });
    expectTypeOf(mapped!).toEqualTypeOf<Outcome<{ question: string; answer: string }>>();
    expect(server.counters.requests).toBe(3);
  });

  test('the validated value is the schema output: defaults filled, unknown keys stripped', async () => {
    const server = await start(answers('{"title":"Dune","extra":true}'));
    const book = z.object({ title: z.string(), year: z.number().nullable().default(null) });
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: book }), 'Book?');
    expect(outcome?.record).toEqual({ question: 'Book?', result: { title: 'Dune', year: null } });
  });

  test('JSON in a code fence or wrapped in prose is accepted', async () => {
    const server = await start({
      respond: (request) => (request.body.messages[0].content === 'fenced' ? `Here it is:\n\`\`\`json\n${adaJson}\n\`\`\`\nEnjoy!` : `Sure! The person is ${adaJson}. Anything else?`),
    });
    const outcomes = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'fenced', 'prose');
    expect(outcomes.map((outcome) => [outcome.status, (outcome.record as { result?: unknown }).result])).toEqual([
      ['accepted', ada],
      ['accepted', ada],
    ]);
    expect(server.counters.requests).toBe(2);
  });

  test('an invalid answer is repaired: the second request continues the chat with the bad answer and the problems', async () => {
    const bad = JSON.stringify({ ...ada, age: 'thirty-six' });
    const server = await start(answers(bad, adaJson));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who?');
    expect(outcome).toMatchObject({ status: 'accepted', record: { question: 'Who?', result: ada }, usage: { calls: 2 } });
    expect(server.requests).toHaveLength(2);
    const [first, repair] = server.requests.map((request) => request.body);
    expect(repair.messages.slice(0, 2)).toEqual([...first.messages, { role: 'assistant', content: bad }]);
    expect(repair.messages).toHaveLength(3);
    expect(repair.messages[2].role).toBe('user');
    expect(repair.messages[2].content).toContain('age: expected number, received string');
    expect(repair.messages[2].content).toContain('corrected JSON only');
    expect(repair.response_format).toEqual(first.response_format);
  });

  test('an answer that is not JSON is repaired with the parse error', async () => {
    const server = await start(answers('I cannot answer that.', adaJson));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who?');
    expect(outcome?.status).toBe('accepted');
    expect(server.requests[1]?.body.messages[2].content).toMatch(/^Your answer is not valid:\nnot JSON: .*is not valid JSON/);
  });

  test('a second repair continues the same conversation', async () => {
    const server = await start(answers('nope', '{"name":"Ada"}', adaJson));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who?');
    expect(outcome).toMatchObject({ status: 'accepted', usage: { calls: 3 } });
    const roles = server.requests.map((request) => request.body.messages.map((message: { role: string }) => message.role));
    expect(roles).toEqual([['user'], ['user', 'assistant', 'user'], ['user', 'assistant', 'user', 'assistant', 'user']]);
    expect(server.requests[2]?.body.messages[3].content).toBe('{"name":"Ada"}');
    expect(server.requests[2]?.body.messages[4].content).toContain('age: missing required field (expected number)');
  });

  test('`repairs: 0` rejects an invalid answer at once', async () => {
    const server = await start(answers('{"name":"Ada"}', adaJson));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person, repairs: 0, name: 'writer' }), 'Who?');
    expect(outcome).toMatchObject({ status: 'rejected', record: { question: 'Who?' }, usage: { calls: 1 } });
    expect((outcome as Rejected).issues.every((issue) => issue.code === 'schema_invalid' && issue.block === 'writer')).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  test('exhausted repairs reject with schema_invalid, one issue per problem, each with its path', async () => {
    const bad = JSON.stringify({ name: 7, age: -1, email: null, role: 'reader', tags: [{}] });
    const server = await start(answers(bad));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who?');
    expect(server.requests).toHaveLength(3);
    expect(outcome?.status).toBe('rejected');
    expect((outcome as Rejected).issues).toEqual([
      { code: 'schema_invalid', block: 'generator', path: ['name'], message: 'expected string, received number' },
      { code: 'schema_invalid', block: 'generator', path: ['age'], message: expect.stringContaining('>=0') },
      { code: 'schema_invalid', block: 'generator', path: ['role'], message: expect.stringContaining('"author"|"editor"') },
      { code: 'schema_invalid', block: 'generator', path: ['tags', 0, 'label'], message: 'missing required field (expected string)' },
    ]);
  });

  test('a final answer that is not JSON rejects with one pathless schema_invalid issue', async () => {
    const server = await start(answers('no JSON here'));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person, repairs: 1 }), 'Who?');
    expect(server.requests).toHaveLength(2);
    expect((outcome as Rejected).issues).toEqual([{ code: 'schema_invalid', block: 'generator', message: expect.stringMatching(/^not JSON: /) }]);
  });

  test('usage sums every call made for the record, repairs included', async () => {
    const server = await start(answers('{"name": "Ada"}', 'still { not json', adaJson));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who is the first programmer?');
    const promptTokens = server.requests.reduce((sum, request) => sum + countMessageWords(request.body.messages), 0);
    const completionTokens = countWords('{"name": "Ada"}') + countWords('still { not json') + countWords(adaJson);
    expect(outcome?.usage).toMatchObject({ calls: 3, cachedCalls: 0, promptTokens, completionTokens });
    expect(outcome?.usage?.byModel['generator: openai/test-model']).toMatchObject({ calls: 3, promptTokens, completionTokens });
  });

  test('a repair is cached like any request: a deterministic rerun makes no calls', async () => {
    const server = await start(answers('{}', adaJson));
    const operator = generate({ engine: openAIEngine(server, { params: { temperature: 0 } }), prompt, schema: person });
    const [first] = await run(operator, 'Who?');
    const [second] = await run(operator, 'Who?');
    expect(server.requests).toHaveLength(2);
    expect(second?.record).toEqual(first?.record);
    expect(second?.usage).toMatchObject({ calls: 0, cachedCalls: 2, promptTokens: 0 });
  });

  test('a failed repair call rejects with lm_call_failed and keeps the usage of the calls before it', async () => {
    const server = await start({ ...answers('{}'), fault: (_request, index) => (index === 1 ? { kind: 'status', status: 400 } : undefined) });
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who?');
    expect(outcome).toMatchObject({ status: 'rejected', issues: [{ code: 'lm_call_failed' }], usage: { calls: 1 } });
  });

  test('a 401 on a repair call errors the stream', async () => {
    const server = await start({ ...answers('{}'), fault: (_request, index) => (index === 1 ? { kind: 'status', status: 401 } : undefined) });
    const error = await run(generate({ engine: openAIEngine(server), prompt, schema: person }), 'Who?').catch((caught: unknown) => caught);
    expect(ApiCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 401 });
  });

  test('a toRecord that throws rejects with parse_failed, without a repair', async () => {
    const server = await start(answers(adaJson));
    const toRecord = (): Question => {
      throw new Error('no room for Ada');
    };
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person, toRecord }), 'Who?');
    expect(outcome).toMatchObject({ status: 'rejected', issues: [{ code: 'parse_failed', message: 'no room for Ada' }] });
    expect(server.requests).toHaveLength(1);
  });

  test('completion mode appends the bad answer and the instruction to the prompt', async () => {
    const server = await start(answers('{"name":"Ada"', adaJson));
    const [outcome] = await run(generate({ engine: openAIEngine(server), prompt, schema: person, method: 'completion' }), 'Person:');
    expect(outcome?.status).toBe('accepted');
    const [first, repair] = server.requests.map((request) => request.body);
    expect(first.prompt).toBe('Person:');
    expect(repair.prompt).toMatch(/^Person:\{"name":"Ada"\n\nYour answer is not valid:\nnot JSON: .*\nAnswer again with the corrected JSON only, and no other text\.\n\n$/);
    expect(repair.response_format).toEqual(first.response_format);
  });

  test('unsubscribing during a repair aborts its HTTP request', async () => {
    const server = await start({ ...answers('{}', adaJson), latencyMs: (index) => (index === 1 ? 60_000 : 0) });
    const source = new Subject<Outcome<Question>>();
    const values: unknown[] = [];
    const subscription = source.pipe(generate({ engine: openAIEngine(server), prompt, schema: person })).subscribe((value) => values.push(value));
    source.next(askOf(0, 'Who?'));
    await waitFor(() => server.counters.requests === 2);
    subscription.unsubscribe();
    await waitFor(() => server.counters.clientAborts === 1);
    expect(server.counters).toMatchObject({ requests: 2, answered: 1, inFlight: 0, clientAborts: 1 });
    expect(values).toEqual([]);
  });
});

describe('generate with a schema: config', () => {
  test('bad structured config throws a ConfigError at the factory call', async () => {
    const server = await start();
    const engine = openAIEngine(server);
    const build = (config: Record<string, unknown>) => () => generate({ engine, prompt, ...config } as never);
    expect(build({ schema: { type: 'object' } })).toThrow(ConfigError);
    expect(build({ schema: { type: 'object' } })).toThrow('generate: invalid config at `schema`: expected a zod schema');
    expect(build({ schema: person, repairs: -1 })).toThrow('`repairs`');
    expect(build({ schema: person, repairs: 1.5 })).toThrow('`repairs`');
    expect(build({ schema: person, schemaName: 'has space' })).toThrow('`schemaName`');
    expect(build({ schema: person, schemaName: 'x'.repeat(65) })).toThrow('`schemaName`');
    expect(build({ schema: person, outputField: '' })).toThrow('`outputField`');
    expect(build({ schema: person, toRecord: 'nope' })).toThrow('`toRecord`');
    expect(build({ schema: person, parse: (text: string) => text })).toThrow('generate: invalid config at `parse`: not used with `schema` (use `toRecord`)');
    expect(build({ toRecord: (value: unknown) => value })).toThrow('generate: invalid config at `toRecord`: only used with `schema`');
    expect(build({ repairs: 1 })).toThrow('generate: invalid config at `repairs`: only used with `schema`');
    expect(build({ schema: person, repairs: 0, schemaName: 'a-b_9', outputField: 'x' })).not.toThrow();
    expect(server.counters.requests).toBe(0);
  });

  test('a schema JSON Schema cannot express is a config error that says what to do', async () => {
    const server = await start();
    const schema = z.object({ year: z.string().transform(Number) });
    expect(() => generate({ engine: openAIEngine(server), prompt, schema })).toThrow(
      /^generate: invalid config at `schema`: not expressible as JSON Schema \(Transforms cannot be represented in JSON Schema\); .*`toRecord`$/,
    );
  });

  test('n > 1 with a schema is a config error, from the operator or the engine params', async () => {
    const server = await start();
    expect(() => generate({ engine: openAIEngine(server), prompt, schema: person, params: { n: 2 } })).toThrow('generate: invalid config at `params.n`: expected 1');
    expect(() => generate({ engine: openAIEngine(server, { params: { n: 3 } }), prompt, schema: person })).toThrow('received 3');
  });
});

describe('generate with a schema, through other engines', () => {
  const fixtures: (AnthropicServer | OllamaServer)[] = [];
  afterEach(async () => {
    await Promise.all(fixtures.splice(0).map((fixture) => fixture.close()));
  });

  test('simulated: its JSON matches the schema, nullable and bounded fields included', async () => {
    const profile = person.extend({
      rank: z.int().positive().nullable(),
      score: z.number().lt(0),
      nickname: z.string().min(40).max(45),
      badges: z.array(z.enum(['gold', 'silver'])).min(2),
    });
    const engine = engineFor(createSimulated());
    const [outcome] = await run(generate({ engine, prompt, schema: profile, toRecord: (value) => value, repairs: 0 }), 'Who?');
    expect(outcome?.status).toBe('accepted');
    const value = outcome?.record as z.output<typeof profile>;
    expect(profile.parse(value)).toEqual(value);
    expect(value).toMatchObject({ age: 0, rank: 1, score: -1, badges: ['gold', 'gold'] });
    expect(value.name.startsWith(simulatedLabel)).toBe(true);
    expect(value.nickname.startsWith(simulatedLabel)).toBe(true);
  });

  test('Anthropic: the schema is a forced tool, its input is validated, and a repair goes through the Messages API', async () => {
    const server = await startAnthropicServer({ apiKey: 'test-anthropic-key', respondTool: (_request, index) => (index === 0 ? { name: 'Ada' } : ada) });
    fixtures.push(server);
    const model = createAnthropic({ modelId: 'claude-test', baseURL: server.url, apiKey: 'test-anthropic-key' });
    const [outcome] = await run(generate({ engine: engineFor(model), prompt, schema: person, schemaName: 'person' }), 'Who?');
    expect(outcome).toMatchObject({ status: 'accepted', record: { question: 'Who?', result: ada }, usage: { calls: 2 } });
    expect(server.requests).toHaveLength(2);
    const [first, repair] = server.requests.map((request) => request.body);
    expect(first.tool_choice).toEqual({ type: 'tool', name: 'person' });
    expect(first.tools).toEqual([expect.objectContaining({ name: 'person', input_schema: expect.objectContaining({ type: 'object', required: expect.any(Array) }) })]);
    expect(first.tools[0].input_schema).not.toHaveProperty('$schema');
    expect(repair.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(repair.messages[1].content).toBe('{"name":"Ada"}');
    expect(repair.messages[2].content).toContain('age: missing required field (expected number)');
  });

  test('Ollama: the schema is sent as `format`, and an invalid answer is rejected with its issues', async () => {
    const server = await startOllamaServer({ respond: (request) => (request.body.messages[0].content === 'good' ? adaJson : '{"name":"Ada","age":"old"}') });
    fixtures.push(server);
    const engine = engineFor(createOllamaNative({ modelId: 'test-model', baseURL: server.url }));
    const outcomes = await run(generate({ engine, prompt, schema: person, repairs: 0 }), 'good', 'bad');
    expect(server.requests.map((request) => [request.path, request.body.format])).toEqual([
      ['/api/chat', expect.objectContaining({ type: 'object', additionalProperties: false })],
      ['/api/chat', expect.objectContaining({ type: 'object', additionalProperties: false })],
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'accepted', record: { result: ada } });
    expect((outcomes[1] as Rejected).issues.map((issue) => [issue.code, issue.path])).toEqual([
      ['schema_invalid', ['age']],
      ['schema_invalid', ['email']],
      ['schema_invalid', ['role']],
      ['schema_invalid', ['tags']],
    ]);
  });
});

describe('extractJson', () => {
  test('reads plain JSON, fenced JSON and JSON wrapped in prose', () => {
    expect(extractJson(' {"a": 1} ')).toEqual({ success: true, data: { a: 1 } });
    expect(extractJson('[1, 2]')).toEqual({ success: true, data: [1, 2] });
    expect(extractJson('"text"')).toEqual({ success: true, data: 'text' });
    expect(extractJson('```json\n{"a": 1}\n```')).toEqual({ success: true, data: { a: 1 } });
    expect(extractJson('Here:\n```\n[{"a": 1}]\n```\nDone.')).toEqual({ success: true, data: [{ a: 1 }] });
    expect(extractJson('The answer is {"a": {"b": [1]}} as asked.')).toEqual({ success: true, data: { a: { b: [1] } } });
    expect(extractJson('Items: [{"a": 1}, {"a": 2}] end')).toEqual({ success: true, data: [{ a: 1 }, { a: 2 }] });
    expect(extractJson('Here: [{"a": 1}] done')).toEqual({ success: true, data: [{ a: 1 }] });
  });

  test('reports the parse error of the narrowest candidate when there is no JSON', () => {
    expect(extractJson('no JSON at all')).toMatchObject({ success: false, error: expect.stringContaining('is not valid JSON') });
    expect(extractJson('')).toMatchObject({ success: false, error: expect.stringContaining('Unexpected end of JSON input') });
    const broken = extractJson('Here: {"a": 1,} ok');
    expect(broken.success).toBe(false);
    expect(broken).not.toMatchObject({ error: expect.stringContaining('Here') });
  });
});
