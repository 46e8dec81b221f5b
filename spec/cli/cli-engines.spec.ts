/**
 * Every engine type through the CLI: the joint config switches the geography builder's `generator` block to the
 * type, pointed at a local server that speaks the service's wire protocol. Also missing keys, unknown types, and
 * keys that must never reach an output file or the terminal.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { errorBody } from '../../lib/testing/test-server-bodies.ts';
import { startTestServer } from '../../lib/testing/test-server.ts';
import { readLines } from '../helpers/read-lines.ts';
import { startAnthropicServer } from '../helpers/servers/anthropic-server.ts';
import { startAzureServer } from '../helpers/servers/azure-server.ts';
import type { FixtureRequest } from '../helpers/servers/http-fixture.ts';
import { startOllamaServer } from '../helpers/servers/ollama-server.ts';
import { startWatsonxServer } from '../helpers/servers/watsonx-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { type CliResult, generationRequests, runCli, summaryTable, writeBlockConfig } from './run-cli.ts';
import { writeByteBigramGguf } from '../helpers/make-gguf.ts';

const startServer = useTestServers();

const geography = 'public/examples/geography_qa';

/** A new question-answer pair per request, as each fake server's `respond` gives it. */
const pair = (_request: unknown, index: number): string => `Question: Where is test place ${index}?\nAnswer: Place ${index}.`;

/** Closes `server` when the test ends, and returns it. */
function closing<Server extends { close(): Promise<void> }>(server: Server): Server {
  onTestFinished(() => server.close());
  return server;
}

/** A port on 127.0.0.1 that nothing listens on: a test server's, once it has closed. */
async function closedPort(): Promise<number> {
  const server = await startTestServer();
  await server.close();
  return Number(new URL(server.url).port);
}

/** Whether anything answers HTTP at `url`. */
function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    async (response) => (await response.body?.cancel(), true),
    () => false,
  );
}

/** Runs the geography sample for 3 records with the `generator` block overridden by `block`. */
async function runGeography(block: Readonly<Record<string, unknown>>, env: Readonly<Record<string, string>> = {}, extraArgs: readonly string[] = []) {
  const dir = tempDir();
  const out = join(dir, 'out');
  const config = writeBlockConfig(dir, { [geography]: { name: 'generator', ...block } });
  const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out, '--num-outputs-to-generate', '3', ...extraArgs], env);
  const taskDir = join(out, 'samples', 'geography_qa');
  return {
    config,
    out,
    result,
    records: readLines(join(taskDir, 'data.jsonl')),
    taskResults: readLines<TaskResult>(join(taskDir, 'task_results.jsonl')),
  };
}

/** A run that made its 3 records and said nothing on stderr. */
function expectThreeRecords({ result, records, taskResults }: Awaited<ReturnType<typeof runGeography>>): void {
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(records).toHaveLength(3);
  for (const record of records) expect(record).toMatchObject({ task_name: 'samples/geography_qa', question: expect.any(String), answer: expect.any(String) });
  expect(taskResults).toEqual([expect.objectContaining({ status: 'completed', metrics: expect.objectContaining({ 'Number of data produced': 3 }) })]);
  expect(summaryTable(result.stdout).rows).toEqual([expect.objectContaining({ status: 'completed', records: '3' })]);
}

/** The questions the fake servers' `pair` answers carry. */
const pairQuestion = /^Where is test place \d+\?$/;

describe('rxdgt run: every engine type from the joint config', () => {
  it('azure-openai: deployment path, api-version query and api-key header from AZURE_OPENAI_API_KEY', async () => {
    const server = closing(await startAzureServer({ apiKey: 'azure-test-key', deployments: ['geo-deployment'], respond: pair }));
    const run = await runGeography(
      { type: 'azure-openai', base_url: server.url, model_id_or_path: 'geo-deployment' },
      { AZURE_OPENAI_API_KEY: 'azure-test-key' },
    );
    expectThreeRecords(run);
    for (const record of run.records) expect(record['question']).toMatch(pairQuestion);
    const chats = server.requests.filter((request) => request.method === 'POST' && request.path === '/openai/deployments/geo-deployment/chat/completions');
    expect(chats.length).toBeGreaterThanOrEqual(3);
    for (const request of chats) {
      expect(request.headers['api-key']).toBe('azure-test-key');
      expect(request.headers.authorization).toBeUndefined();
      expect(request.query.get('api-version')).toBe('2024-10-21');
      // The builder YAML's parameters, in OpenAI's names.
      expect(request.body).toMatchObject({ temperature: 0, max_tokens: 128, messages: [expect.objectContaining({ role: 'user' })] });
    }
  });

  it('anthropic: Messages API with x-api-key from ANTHROPIC_API_KEY and max_tokens from the block', async () => {
    const server = closing(await startAnthropicServer({ apiKey: 'anthropic-test-key', respond: pair }));
    const run = await runGeography({ type: 'anthropic', base_url: server.url, model_id_or_path: 'claude-test' }, { ANTHROPIC_API_KEY: 'anthropic-test-key' });
    expectThreeRecords(run);
    for (const record of run.records) expect(record['question']).toMatch(pairQuestion);
    const messages = server.requests.filter((request) => request.method === 'POST' && request.path === '/v1/messages');
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const request of messages) {
      expect(request.headers['x-api-key'] ?? request.headers.authorization).toMatch(/^(Bearer )?anthropic-test-key$/);
      expect(request.headers['anthropic-version']).toEqual(expect.any(String));
      expect(request.body).toMatchObject({ model: 'claude-test', max_tokens: 128, messages: [expect.objectContaining({ role: 'user' })] });
    }
  });

  it('watsonx: one IAM exchange from WATSONX_API_KEY at iam_url, then chat calls with the bearer token and WATSONX_PROJECT_ID', async () => {
    const server = closing(await startWatsonxServer({ apiKey: 'watsonx-test-key', projectId: 'geo-project', respond: pair }));
    const run = await runGeography(
      { type: 'watsonx', base_url: server.url, iam_url: server.url, model_id_or_path: 'ibm/granite-test' },
      { WATSONX_API_KEY: 'watsonx-test-key', WATSONX_PROJECT_ID: 'geo-project' },
    );
    expectThreeRecords(run);
    for (const record of run.records) expect(record['question']).toMatch(pairQuestion);
    // The token is cached: one exchange serves every call.
    expect(server.exchanges).toBe(1);
    const exchange = server.requests.find((request) => request.path === '/identity/token');
    expect(exchange?.body).toMatchObject({ grant_type: 'urn:ibm:params:oauth:grant-type:apikey', apikey: 'watsonx-test-key' });
    const chats = server.apiRequests;
    expect(chats.length).toBeGreaterThanOrEqual(3);
    for (const request of chats) {
      expect(request.path).toBe('/ml/v1/text/chat');
      expect(request.headers.authorization).toBe(`Bearer ${server.tokens[0]}`);
      expect(request.query.get('version')).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(request.body).toMatchObject({ model_id: 'ibm/granite-test', project_id: 'geo-project' });
    }
  });

  it('ollama: native /api/chat at base_url, with the options of the builder YAML', async () => {
    const server = closing(await startOllamaServer({ models: ['geo-model'], respond: pair }));
    const run = await runGeography({ type: 'ollama', base_url: server.url, model_id_or_path: 'geo-model' });
    expectThreeRecords(run);
    for (const record of run.records) expect(record['question']).toMatch(pairQuestion);
    const chats = server.requests.filter((request) => request.method === 'POST' && request.path === '/api/chat');
    expect(chats.length).toBeGreaterThanOrEqual(3);
    for (const request of chats) {
      expect(request.body).toMatchObject({ model: 'geo-model', stream: false, options: { num_ctx: 4096, num_predict: 128, temperature: 0 } });
    }
  });

  it('simulated: no server at all, and every record is labelled [simulated]', async () => {
    const run = await runGeography({ type: 'simulated', model_id_or_path: 'dry-run' });
    expectThreeRecords(run);
    for (const record of run.records) {
      expect(record['question']).toContain('[simulated]');
      expect(record['answer']).toContain('[simulated]');
    }
  });

  it('vllm-server: starts the command on the given port, uses it, and the server is gone after the run', async () => {
    const port = await closedPort();
    const run = await runGeography({
      type: 'vllm-server',
      model_id_or_path: 'test-model',
      command: 'node --import tsx spec/helpers/servers/openai-server-cli.ts --port {port}',
      port,
      check_interval: 0.1,
    });
    expectThreeRecords(run);
    // The OpenAI test server's default answers: so the requests reached it, in OpenAI's protocol.
    for (const record of run.records) expect(record['question']).toMatch(/^What is the capital of region \d+\?$/);
    expect(await answers(`http://127.0.0.1:${port}/v1/models`)).toBe(false);
  });
});

describe('rxdgt run: llama-cpp in process', () => {
  it('runs the rater on a GGUF the test computes: every call is real inference, the gibberish answers are rejected records', async () => {
    const dir = tempDir();
    const modelPath = writeByteBigramGguf(dir);
    const out = join(dir, 'out');
    const config = writeBlockConfig(dir, {
      'public/examples/qa_rater': { name: 'rater', type: 'llama-cpp', model_id_or_path: modelPath, threads: 1, max_tokens: 12 },
    });
    const result = await runCli(['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rejected = readLines<{ issues: { code: string }[] }>(join(out, 'samples', 'qa_rater', 'blocks', 'rater.jsonl'));
    expect(rejected).toHaveLength(5);
    for (const line of rejected) expect(line.issues[0]?.code).toBe('parse_failed');
    const [taskResult] = readLines<{ metrics: Record<string, number>; usage_by_model: Record<string, unknown> }>(join(out, 'samples', 'qa_rater', 'task_results.jsonl'));
    expect(taskResult?.metrics['lm_calls']).toBe(5);
    expect(Object.keys(taskResult?.usage_by_model ?? {})).toEqual([`rater: llama-cpp/${modelPath}`]);
  }, 120_000);

  it('a model path that does not exist is exit 2 naming the block field', async () => {
    const dir = tempDir();
    const config = writeBlockConfig(dir, { 'public/examples/qa_rater': { name: 'rater', type: 'llama-cpp', model_id_or_path: join(dir, 'missing.gguf') } });
    const result = await runCli(['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rxdgt: .*field `databuilders\.public\/examples\/qa_rater\.blocks\.0\.model_id_or_path`: .*missing\.gguf/);
  });
});

describe('rxdgt run: a missing key or project id', () => {
  it('anthropic without ANTHROPIC_API_KEY: exit 2 naming the variable and the block, and no request sent', async () => {
    const server = closing(await startAnthropicServer({ respond: pair }));
    const { result, out, config } = await runGeography({ type: 'anthropic', base_url: server.url, model_id_or_path: 'claude-test' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^rxdgt: /);
    expect(result.stderr).toContain('ANTHROPIC_API_KEY');
    expect(result.stderr).toContain('`generator`');
    expect(result.stderr).toContain(config);
    expect(server.requests).toEqual([]);
    expect(() => statSync(out)).toThrow();
  });

  it.each([
    ['azure-openai', 'AZURE_OPENAI_API_KEY', {}],
    ['watsonx', 'WATSONX_API_KEY', { WATSONX_PROJECT_ID: 'geo-project' }],
    ['watsonx', 'WATSONX_PROJECT_ID', { WATSONX_API_KEY: 'watsonx-test-key' }],
  ] as const)('%s without %s: exit 2 naming it and the block, and no request sent', async (type, variable, env) => {
    const server = closing(await startWatsonxServer());
    const { result } = await runGeography({ type, base_url: server.url, iam_url: server.url, model_id_or_path: 'some-model' }, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(variable);
    expect(result.stderr).toContain('`generator`');
    expect(server.requests).toEqual([]);
  });

  it('an unknown engine type: exit 2 naming the block\'s type field in the joint config', async () => {
    const { result, config, out } = await runGeography({ type: 'not-an-engine', model_id_or_path: 'some-model' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(config);
    expect(result.stderr).toContain(`\`databuilders.${geography}.blocks.0.type\``);
    expect(result.stderr).toContain('not-an-engine');
    expect(() => statSync(out)).toThrow();
  });
});

describe('rxdgt run: API keys never leak', () => {
  const secret = 'sk-SECRET-123';

  /** Every file under `dir`, recursively. */
  function filesUnder(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  }

  /**
   * The run ended on the server's errors (`failed` by the failure rate, or `errored` on a fatal 401), whose message,
   * key and all, reached task_results.jsonl with the key redacted; and the key is in no output file, nor on stdout
   * or stderr.
   */
  function expectNoLeak(result: CliResult, out: string, status: TaskResult['status'], code: RegExp): void {
    expect(result.code).toBe(1);
    const [taskResult] = readLines<TaskResult>(join(out, 'samples', 'geography_qa', 'task_results.jsonl'));
    expect(taskResult?.status).toBe(status);
    expect(taskResult?.message).toMatch(code);
    expect(taskResult?.message).toContain('[redacted]');
    const files = filesUnder(out);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) expect({ file, leaks: readFileSync(file, 'utf8').includes(secret) }).toEqual({ file, leaks: false });
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }

  it('openai: a 401 whose message repeats the key (OPENAI_API_KEY)', async () => {
    const server = await startServer({ fault: () => ({ kind: 'status', status: 401, body: errorBody(401, `Incorrect API key provided: ${secret}.`) }) });
    const { result, out } = await runGeography({ type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', max_retries: 0 }, { OPENAI_API_KEY: secret });
    // The key was really in play: the server got it.
    expect(generationRequests(server.requests)[0]?.headers.authorization).toBe(`Bearer ${secret}`);
    expectNoLeak(result, out, 'errored', /401/);
    // A 401 ends the run at once: the reason is on stderr too, redacted.
    expect(result.stderr).toContain('[redacted]');
  });

  it('openai: a 500 whose message repeats the key given as api_key in the joint config', async () => {
    const server = await startServer({ fault: () => ({ kind: 'status', status: 500, body: errorBody(500, `upstream rejected key ${secret}`) }) });
    const { result, out } = await runGeography({ type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', api_key: secret, max_retries: 0 });
    expect(generationRequests(server.requests)[0]?.headers.authorization).toBe(`Bearer ${secret}`);
    expectNoLeak(result, out, 'failed', /500/);
  });

  it('anthropic: a 500 whose message repeats the key (ANTHROPIC_API_KEY)', async () => {
    const server = closing(await startAnthropicServer({ apiKey: secret, fault: () => ({ status: 500, message: `overloaded for key ${secret}` }) }));
    const { result, out } = await runGeography(
      { type: 'anthropic', base_url: server.url, model_id_or_path: 'claude-test', max_retries: 0 },
      { ANTHROPIC_API_KEY: secret },
    );
    expect(server.requests.length).toBeGreaterThan(0);
    expectNoLeak(result, out, 'failed', /500/);
  });

  it('azure-openai: a 500 whose message repeats the key (AZURE_OPENAI_API_KEY)', async () => {
    const server = closing(await startAzureServer({ apiKey: secret, fault: () => ({ status: 500, message: `bad key ${secret}` }) }));
    const { result, out } = await runGeography(
      { type: 'azure-openai', base_url: server.url, model_id_or_path: 'test-deployment', max_retries: 0 },
      { AZURE_OPENAI_API_KEY: secret },
    );
    expect(server.requests.some((request: FixtureRequest) => request.headers['api-key'] === secret)).toBe(true);
    expectNoLeak(result, out, 'failed', /500/);
  });

  it('watsonx: an IAM refusal whose message repeats the key (WATSONX_API_KEY)', async () => {
    const server = closing(
      await startWatsonxServer({ apiKey: 'another-key', iamFault: () => ({ status: 400, code: 'BXNIM0415E', message: `Provided API key ${secret} could not be found.` }) }),
    );
    const { result, out } = await runGeography(
      { type: 'watsonx', base_url: server.url, iam_url: server.url, model_id_or_path: 'ibm/granite-test', max_retries: 0 },
      { WATSONX_API_KEY: secret, WATSONX_PROJECT_ID: 'test-project' },
    );
    expect(server.exchanges).toBeGreaterThan(0);
    expectNoLeak(result, out, 'failed', /400/);
  });
});
