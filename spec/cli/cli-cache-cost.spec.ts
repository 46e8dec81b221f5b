/**
 * The disk cache (`--lm-cache`, block `lm_cache`) and usage and cost (`--prices`, block `price`, `--cost-budget`,
 * `--token-budget`) through the CLI, against the local OpenAI-compatible test server, which counts tokens as
 * whitespace-separated words.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { countMessageWords, countWords } from '../../lib/testing/test-server-bodies.ts';
import { type TestServer, type TestServerRequest, startTestServer } from '../../lib/testing/test-server.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { generationRequests, promptOf, runCli, summaryTable, writeBlockConfig } from './run-cli.ts';

const startServer = useTestServers();

const geography = 'public/examples/geography_qa';
const rater = 'public/examples/qa_rater';

type Rated = { question: string; ratings: { knowledge: string; difficulty: string } };

/** A rater server: every verdict names the request's index, so an answer from the cache is told from a new one. */
async function raterServer(): Promise<TestServer> {
  return startServer({
    respond: (request, index) =>
      promptOf(request).includes('Rate the question-answer pair') ? `{"knowledge": "topic ${index}", "difficulty": "easy"}` : 'not a rating',
  });
}

/** The rated records of the qa_rater sample under `out`, by question. */
function ratings(out: string): Record<string, Rated['ratings']> {
  return Object.fromEntries(readLines<Rated>(join(out, 'samples', 'qa_rater', 'final_data.jsonl')).map((record) => [record.question, record.ratings]));
}

/** A port on 127.0.0.1 that nothing listens on: a test server's, once it has closed. */
async function closedPort(): Promise<number> {
  const server = await startTestServer();
  await server.close();
  return Number(new URL(server.url).port);
}

/** The result of the rater's last run in `out`. */
function raterResult(out: string): TaskResult | undefined {
  return readLines<TaskResult>(join(out, 'samples', 'qa_rater', 'task_results.jsonl')).at(-1);
}

describe('rxdgt run: the disk cache', () => {
  it('--lm-cache: a rerun of the rater makes no request and gives the same ratings; two processes share one file', async () => {
    const server = await raterServer();
    const dir = tempDir();
    const cache = join(dir, 'cache.sqlite');
    const config = writeBlockConfig(dir, { [rater]: { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 0 } });
    const args = (out: string, file = cache, ...more: string[]) => ['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', join(dir, out), '--lm-cache', file, ...more];

    const first = await runCli(args('out'));
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(existsSync(cache)).toBe(true);
    const rated = ratings(join(dir, 'out'));
    expect(Object.keys(rated)).toHaveLength(5);
    expect(generationRequests(server.requests)).toHaveLength(5);
    expect(raterResult(join(dir, 'out'))?.metrics).toMatchObject({ lm_calls: 5, lm_calls_cached: 0 });

    // A rerun resumes: every row is settled, so nothing is asked and nothing changes.
    const resumed = await runCli(args('out'));
    expect([resumed.code, resumed.stderr]).toEqual([0, '']);
    expect(raterResult(join(dir, 'out'))).toMatchObject({ status: 'completed', metrics: { 'Number of data produced': 5, records_restored: 5, lm_calls: 0, lm_calls_cached: 0 } });

    // Started over: every answer comes from the file.
    const second = await runCli(args('out', cache, '--restart'));
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(generationRequests(server.requests)).toHaveLength(5);
    expect(ratings(join(dir, 'out'))).toEqual(rated);
    expect(raterResult(join(dir, 'out'))).toMatchObject({
      status: 'completed',
      metrics: { lm_calls: 0, lm_calls_cached: 5, prompt_tokens: 0, completion_tokens: 0 },
    });
    expect(summaryTable(second.stdout).rows[0]).toMatchObject({ status: 'completed', records: '5', 'LM calls': '0', tokens: '0' });

    // Two processes at once on the warm file: both read every answer from it.
    const [left, right] = await Promise.all([runCli(args('left')), runCli(args('right'))]);
    expect([left.code, right.code, left.stderr, right.stderr]).toEqual([0, 0, '', '']);
    expect(generationRequests(server.requests)).toHaveLength(5);
    expect(ratings(join(dir, 'left'))).toEqual(rated);
    expect(ratings(join(dir, 'right'))).toEqual(rated);

    // Two processes at once on a new file: both ask the server and write, and neither fails on the other's lock.
    const fresh = join(dir, 'fresh.sqlite');
    const [one, two] = await Promise.all([runCli(args('one', fresh)), runCli(args('two', fresh))]);
    expect([one.code, two.code, one.stderr, two.stderr]).toEqual([0, 0, '', '']);
    expect(Object.keys(ratings(join(dir, 'one')))).toHaveLength(5);
    expect(Object.keys(ratings(join(dir, 'two')))).toHaveLength(5);
    const asked = generationRequests(server.requests).length;
    expect(asked).toBeGreaterThan(5);
    expect(asked).toBeLessThanOrEqual(15);
    // What they wrote serves a third run whole.
    const third = await runCli(args('three', fresh));
    expect(third.code).toBe(0);
    expect(generationRequests(server.requests)).toHaveLength(asked);
    expect(raterResult(join(dir, 'three'))?.metrics).toMatchObject({ lm_calls: 0, lm_calls_cached: 5 });
  });

  it('lm_cache as a block field works the same, without the flag', async () => {
    const server = await raterServer();
    const dir = tempDir();
    const cache = join(dir, 'block-cache.sqlite');
    const config = writeBlockConfig(dir, {
      [rater]: { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 0, lm_cache: cache },
    });
    const args = ['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', join(dir, 'out')];
    const first = await runCli(args);
    expect(first.code).toBe(0);
    expect(existsSync(cache)).toBe(true);
    const rated = ratings(join(dir, 'out'));
    expect(generationRequests(server.requests)).toHaveLength(5);

    const second = await runCli([...args, '--restart']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(generationRequests(server.requests)).toHaveLength(5);
    expect(ratings(join(dir, 'out'))).toEqual(rated);
    expect(raterResult(join(dir, 'out'))?.metrics).toMatchObject({ lm_calls: 0, lm_calls_cached: 5 });
  });

  it.each([
    ['on a fixed port', true],
    ['on a free port picked at each start', false],
  ])('vllm-server %s: a rerun is answered from the cache file', async (_name, fixed) => {
    const dir = tempDir();
    const port = await closedPort();
    const config = writeBlockConfig(dir, {
      [rater]: {
        name: 'rater',
        type: 'vllm-server',
        model_id_or_path: 'test-model',
        command: 'node --import tsx spec/helpers/servers/openai-server-cli.ts --port {port}',
        ...(fixed ? { port } : {}),
        check_interval: 0.1,
      },
    });
    const args = ['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', join(dir, 'out'), '--lm-cache', join(dir, 'cache.sqlite')];
    // The OpenAI test server answers with question-answer pairs, not verdicts: every record is rejected, but the
    // calls are counted all the same.
    expect((await runCli(args)).code).toBe(0);
    expect(raterResult(join(dir, 'out'))?.metrics).toMatchObject({ lm_calls: 5, lm_calls_cached: 0 });
    expect((await runCli([...args, '--restart'])).code).toBe(0);
    expect(raterResult(join(dir, 'out'))?.metrics).toMatchObject({ lm_calls: 0, lm_calls_cached: 5 });
  });

  it('without a cache a restarted run asks the server again', async () => {
    const server = await raterServer();
    const dir = tempDir();
    const config = writeBlockConfig(dir, { [rater]: { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 0 } });
    const args = ['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', join(dir, 'out')];
    expect((await runCli(args)).code).toBe(0);
    const rated = ratings(join(dir, 'out'));
    expect((await runCli([...args, '--restart'])).code).toBe(0);
    expect(generationRequests(server.requests)).toHaveLength(10);
    expect(ratings(join(dir, 'out'))).not.toEqual(rated);
  });
});

describe('rxdgt run: usage and cost', () => {
  // Dollars per million tokens, large so that a few hundred words cost cents.
  const price = { input: 1000, output: 2000 };

  /** A server of new question-answer pairs that remembers the words it answered, per request. */
  async function pairServer() {
    const completionWords: number[] = [];
    const server = await startServer({
      respond: (_request, index) => {
        const text = `Question: Which test place is number ${index}?\nAnswer: Place number ${index}.`;
        completionWords[index] = countWords(text);
        return text;
      },
    });
    /** Tokens and dollars of each generation request, in the order the server got them. */
    const spent = () =>
      generationRequests(server.requests).map((request: TestServerRequest, index) => {
        const prompt = countMessageWords(request.body.messages);
        const completion = completionWords[index] ?? 0;
        return { prompt, completion, usd: (prompt * price.input + completion * price.output) / 1e6 };
      });
    return { server, spent };
  }

  /**
   * Runs the geography sample with its generator at the server, one call at a time (so the requests the server saw
   * are the calls the task counted, in order).
   */
  async function runGeography(server: TestServer, block: Readonly<Record<string, unknown>>, flags: readonly string[]) {
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = writeBlockConfig(dir, {
      [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', call_limit: 1, ...block },
    });
    const pricesFile = join(dir, 'prices.json');
    writeFileSync(pricesFile, JSON.stringify({ 'test-model': price }));
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', out, ...flags.map((flag) => flag.replace('{prices}', pricesFile))]);
    const [taskResult] = readLines<TaskResult>(join(out, 'samples', 'geography_qa', 'task_results.jsonl'));
    return { result, taskResult, row: summaryTable(result.stdout).rows[0], records: readLines(join(out, 'samples', 'geography_qa', 'data.jsonl')) };
  }

  /** Totals of the first `count` requests. */
  function totals(spent: readonly { prompt: number; completion: number; usd: number }[], count = spent.length) {
    const first = spent.slice(0, count);
    const sum = (pick: (entry: (typeof first)[number]) => number) => first.reduce((total, entry) => total + pick(entry), 0);
    return { prompt: sum((entry) => entry.prompt), completion: sum((entry) => entry.completion), usd: sum((entry) => entry.usd) };
  }

  it('--prices: the summary shows the dollars, task_results.jsonl has cost_usd and usage_by_model', async () => {
    const { server, spent } = await pairServer();
    const { result, taskResult, row } = await runGeography(server, {}, ['--prices', '{prices}', '--num-outputs-to-generate', '3']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = Number(taskResult?.metrics?.['lm_calls']);
    expect(calls).toBe(spent().length);
    const expected = totals(spent());
    expect(expected.usd).toBeGreaterThan(0.1);
    expect(taskResult?.metrics).toMatchObject({ prompt_tokens: expected.prompt, completion_tokens: expected.completion, cost_usd: expect.closeTo(expected.usd, 9) });
    expect(taskResult?.usage_by_model).toEqual({
      'generator: openai/test-model': {
        calls,
        cachedCalls: taskResult?.metrics?.['lm_calls_cached'],
        promptTokens: expected.prompt,
        completionTokens: expected.completion,
        costUsd: expect.closeTo(expected.usd, 9),
      },
    });
    expect(row).toMatchObject({ status: 'completed', records: '3', tokens: String(expected.prompt + expected.completion), cost: `$${expected.usd.toFixed(4)}` });
  });

  it('price as a block field gives the same cost without --prices, and wins over a --prices entry', async () => {
    const { server, spent } = await pairServer();
    const alone = await runGeography(server, { price }, ['--num-outputs-to-generate', '3']);
    expect(alone.result.code).toBe(0);
    const expected = totals(spent());
    expect(alone.taskResult?.metrics?.['cost_usd']).toBeCloseTo(expected.usd, 9);
    expect(alone.row?.['cost']).toBe(`$${expected.usd.toFixed(4)}`);

    // The block's price (here free) beats the table's.
    const before = spent().length;
    const free = await runGeography(server, { price: { input: 0, output: 0 } }, ['--prices', '{prices}', '--num-outputs-to-generate', '3']);
    expect(free.result.code).toBe(0);
    expect(spent().length).toBeGreaterThan(before);
    expect(free.taskResult?.metrics).toMatchObject({ cost_usd: 0, prompt_tokens: expect.any(Number) });
    expect(Number(free.taskResult?.metrics?.['prompt_tokens'])).toBeGreaterThan(0);
    expect(free.row?.['cost']).toBe('$0.0000');
  });

  it('without a price the cost is unknown: `-` in the table, 0 in the result, while tokens are still counted', async () => {
    const { server, spent } = await pairServer();
    const { result, taskResult, row } = await runGeography(server, {}, ['--num-outputs-to-generate', '3']);
    expect(result.code).toBe(0);
    expect(taskResult?.metrics).toMatchObject({ cost_usd: 0, prompt_tokens: totals(spent()).prompt });
    expect(row?.['cost']).toBe('-');
  });

  it('--cost-budget stops the task as budget_spent on the first answer that reaches it, exit 0', async () => {
    const { server, spent } = await pairServer();
    const { result, taskResult, row, records } = await runGeography(server, {}, ['--prices', '{prices}', '--cost-budget', '0.25']);
    expect(result.stderr).toBe('');
    // budget_spent is not among the failed statuses: the user asked for the stop.
    expect(result.code).toBe(0);
    expect(taskResult).toMatchObject({ status: 'budget_spent', reason: 'cost_budget' });
    expect(taskResult?.message).toContain('cost budget of $0.25 spent');
    expect(records.length).toBeLessThan(20);
    const calls = Number(taskResult?.metrics?.['lm_calls']);
    const cost = Number(taskResult?.metrics?.['cost_usd']);
    expect(cost).toBeCloseTo(totals(spent(), calls).usd, 9);
    expect(cost).toBeGreaterThanOrEqual(0.25);
    // One call at a time: the call before the last had not reached the budget.
    expect(totals(spent(), calls - 1).usd).toBeLessThan(0.25);
    expect(row).toMatchObject({ status: 'budget_spent', cost: `$${cost.toFixed(4)}` });
    expect(result.stdout).toContain('samples/geography_qa: budget_spent: cost budget of $0.25 spent');
  });

  it('--cost-budget without any price is bad input (it could never fire): exit 2 before any request', async () => {
    const { server } = await pairServer();
    const { result } = await runGeography(server, {}, ['--cost-budget', '0.25']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rxdgt: `--cost-budget` needs prices/);
    expect(generationRequests(server.requests)).toHaveLength(0);
  });

  it('--token-budget stops the task as budget_spent on the first answer that reaches it, exit 0', async () => {
    const { server, spent } = await pairServer();
    const { result, taskResult, row, records } = await runGeography(server, {}, ['--token-budget', '300']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(taskResult).toMatchObject({ status: 'budget_spent', reason: 'token_budget' });
    expect(taskResult?.message).toContain('token budget of 300 spent');
    expect(records.length).toBeLessThan(20);
    const calls = Number(taskResult?.metrics?.['lm_calls']);
    const tokens = Number(taskResult?.metrics?.['prompt_tokens']) + Number(taskResult?.metrics?.['completion_tokens']);
    const used = totals(spent(), calls);
    expect(tokens).toBe(used.prompt + used.completion);
    expect(tokens).toBeGreaterThanOrEqual(300);
    const before = totals(spent(), calls - 1);
    expect(before.prompt + before.completion).toBeLessThan(300);
    expect(row).toMatchObject({ status: 'budget_spent', tokens: String(tokens) });
  });

  it('a transformation task stops on its budget too, leaving the rest of its input unrated', async () => {
    const server = await raterServer();
    const dir = tempDir();
    const config = writeBlockConfig(dir, { [rater]: { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', call_limit: 1 } });
    // Each rating prompt is well over 50 words: the budget is spent by the first answer of the task.
    const result = await runCli(['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', join(dir, 'out'), '--token-budget', '50']);
    expect(result.code).toBe(0);
    expect(raterResult(join(dir, 'out'))).toMatchObject({ status: 'budget_spent', reason: 'token_budget', metrics: expect.objectContaining({ lm_calls: 1 }) });
    expect(Object.keys(ratings(join(dir, 'out')))).toHaveLength(1);
  });

  it('a bad price table is bad input: exit 2 naming the file, and no request sent', async () => {
    const server = await raterServer();
    const dir = tempDir();
    const config = writeBlockConfig(dir, { [rater]: { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model' } });
    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, 'test-model:\n  input: -1\n  output: 2\n');
    const result = await runCli(['run', '--task-paths', 'samples/qa-rater', '--config-path', config, '--output-dir', join(dir, 'out'), '--prices', prices]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(prices);
    expect(result.stderr).toContain('input');
    expect(generationRequests(server.requests)).toEqual([]);
  });
});
