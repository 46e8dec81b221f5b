/**
 * Usage and cost without the CLI: an engine's price (block `price`, or the run's price table by model id) turns the
 * tokens the server reports into dollars per answer; prepareRun's `pricesPath`, `prices`, `costBudget` and
 * `tokenBudget` reach every task; the budget criteria stop at their threshold. The test server counts whitespace
 * words as tokens.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { clearAdmissions } from '../../lib/model/admission-registry.ts';
import type { ModelRequest } from '../../lib/model/language-model.ts';
import { noUsage } from '../../lib/outcome.ts';
import type { Usage } from '../../lib/record.ts';
import { engineFromBlock } from '../../lib/run/lm-block.ts';
import { type PreparedRun, type RunSettings, prepareRun } from '../../lib/run/prepare-run.ts';
import { runTasks } from '../../lib/run/run-tasks.ts';
import { hasCostBudget, hasTokenBudget } from '../../lib/run/stop-criteria.ts';
import { type TaskProgress, initialProgress } from '../../lib/run/task-progress.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { countMessageWords, countWords } from '../../lib/testing/test-server-bodies.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import { generationRequests, repoRoot, writeBlockConfig } from '../cli/run-cli.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';

const start = useTestServers();

afterEach(() => {
  clearAdmissions();
});

const where = { file: 'builder.yaml', field: 'blocks.0' };
const chat = (content: string): ModelRequest => ({ method: 'chat', messages: [{ role: 'user', content }], temperature: 0 });
const verdict = (index: number): string => `{"knowledge": "topic number ${index}", "difficulty": "easy"}`;

/** A rater server: a JSON verdict per request. */
function raterServer(): Promise<TestServer> {
  return start({ respond: (_request, index) => verdict(index) });
}

/** Prompt and completion words of every generation request the server answered, and their dollars at `price`. */
function spentAt(server: TestServer, price: { input: number; output: number }) {
  const requests = generationRequests(server.requests);
  const prompt = requests.reduce((sum, request) => sum + countMessageWords(request.body.messages), 0);
  const completion = requests.reduce((sum, _request, index) => sum + countWords(verdict(index)), 0);
  return { requests: requests.length, prompt, completion, usd: (prompt * price.input + completion * price.output) / 1e6 };
}

describe('Engine.usageOf with a price', () => {
  test('an answer costs its prompt and completion tokens at the block price; a cache hit costs nothing', async () => {
    const server = await raterServer();
    const engine = engineFromBlock(
      { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', price: { input: 3, output: 15 } },
      where,
    );
    const prompt = 'Rate this pair of five words';
    const answered = await firstValueFrom(engine.call(chat(prompt)));
    expect(answered.cached).toBe(false);
    const prompted = countWords(prompt);
    const completed = countWords(verdict(0));
    expect(answered.usage).toEqual({ promptTokens: prompted, completionTokens: completed });
    const usd = (prompted * 3 + completed * 15) / 1e6;
    const usage = engine.usageOf(answered);
    expect(usage).toMatchObject({ calls: 1, cachedCalls: 0, promptTokens: prompted, completionTokens: completed, costUsd: expect.closeTo(usd, 12) });
    expect(usage.byModel).toEqual({ 'rater: openai/test-model': { calls: 1, cachedCalls: 0, promptTokens: prompted, completionTokens: completed, costUsd: expect.closeTo(usd, 12) } });

    // temperature 0: the same request again is a cache hit.
    const hit = await firstValueFrom(engine.call(chat(prompt)));
    expect(hit.cached).toBe(true);
    expect(generationRequests(server.requests)).toHaveLength(1);
    expect(engine.usageOf(hit)).toEqual({
      calls: 0,
      cachedCalls: 1,
      promptTokens: 0,
      completionTokens: 0,
      costUsd: 0,
      byModel: { 'rater: openai/test-model': { calls: 0, cachedCalls: 1, promptTokens: 0, completionTokens: 0, costUsd: 0 } },
    });
  });

  test("the run's price table prices a block by its model id; the block's own price wins; another model costs nothing", async () => {
    const server = await raterServer();
    const defaults = { prices: { 'test-model': { input: 1000, output: 2000 } }, openCache: () => { throw new Error('no cache expected'); } };
    const block = { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model' };
    const fromTable = engineFromBlock(block, where, defaults);
    const ownPrice = engineFromBlock({ ...block, price: { input: 1, output: 1 } }, where, defaults);
    const unpriced = engineFromBlock({ ...block, model_id_or_path: 'other-model' }, where, defaults);
    const costOf = async (engine: typeof fromTable, content: string) => {
      const result = await firstValueFrom(engine.call({ method: 'chat', messages: [{ role: 'user', content }] }));
      const { promptTokens, completionTokens } = result.usage;
      return { usage: engine.usageOf(result), promptTokens, completionTokens };
    };
    const table = await costOf(fromTable, 'one two three');
    expect(table.usage.costUsd).toBeCloseTo((table.promptTokens * 1000 + table.completionTokens * 2000) / 1e6, 12);
    expect(table.usage.costUsd).toBeGreaterThan(0);
    const own = await costOf(ownPrice, 'one two three');
    expect(own.usage.costUsd).toBeCloseTo((own.promptTokens + own.completionTokens) / 1e6, 12);
    const none = await costOf(unpriced, 'one two three');
    expect(none.usage).toMatchObject({ calls: 1, costUsd: 0 });
    expect(none.usage.promptTokens).toBeGreaterThan(0);
    expect(Object.keys(none.usage.byModel)).toEqual(['rater: openai/other-model']);
  });

  test('a negative price is a ConfigError naming the block field', () => {
    expect(() => engineFromBlock({ name: 'rater', type: 'simulated', model_id_or_path: 'm', price: { input: -1, output: 1 } }, where)).toThrow(
      expect.objectContaining({ field: expect.stringContaining('blocks.0.price') }),
    );
  });
});

describe('prepareRun: prices and budgets for every task', () => {
  /** Prepares the qa_rater sample with its rater at `server`, runs it to the end, and returns its result line. */
  async function runRater(server: TestServer, block: Readonly<Record<string, unknown>>, settings: Partial<RunSettings> = {}) {
    const dir = tempDir();
    const config = writeBlockConfig(dir, { 'public/examples/qa_rater': { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', ...block } });
    const out = join(dir, 'out');
    let run: PreparedRun | undefined;
    try {
      run = await prepareRun({ taskPaths: [join(repoRoot, 'samples', 'qa-rater')], configPath: config, outputDir: out, env: {}, cwd: dir, ...settings });
      const records = await lastValueFrom(runTasks(run.tasks).pipe(toArray()));
      const [result] = readLines<TaskResult>(join(out, 'samples', 'qa_rater', 'task_results.jsonl'));
      return { records, result: result as TaskResult, dir };
    } finally {
      await run?.close();
    }
  }

  test('pricesPath (a YAML table) gives each task its cost in task_results.jsonl, in total and by model', async () => {
    const server = await raterServer();
    const dir = tempDir();
    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, 'test-model:\n  input: 1000\n  output: 2000\n');
    const { records, result } = await runRater(server, {}, { pricesPath: prices });
    expect(records).toHaveLength(5);
    const spent = spentAt(server, { input: 1000, output: 2000 });
    expect(spent.requests).toBe(5);
    expect(result.metrics).toMatchObject({
      lm_calls: 5,
      lm_calls_cached: 0,
      prompt_tokens: spent.prompt,
      completion_tokens: spent.completion,
      cost_usd: expect.closeTo(spent.usd, 9),
    });
    expect(result.usage_by_model).toEqual({
      'rater: openai/test-model': { calls: 5, cachedCalls: 0, promptTokens: spent.prompt, completionTokens: spent.completion, costUsd: expect.closeTo(spent.usd, 9) },
    });
  });

  test('prices given in the settings win over the file for a model in both', async () => {
    const server = await raterServer();
    const dir = tempDir();
    const prices = join(dir, 'prices.json');
    writeFileSync(prices, JSON.stringify({ 'test-model': { input: 1000, output: 2000 } }));
    const { result } = await runRater(server, {}, { pricesPath: prices, prices: { 'test-model': { input: 10, output: 20 } } });
    const spent = spentAt(server, { input: 10, output: 20 });
    expect(result.metrics?.['cost_usd']).toBeCloseTo(spent.usd, 9);
  });

  test('a price table with an unknown field is a ConfigError naming the file and the field', async () => {
    const dir = tempDir();
    const prices = join(dir, 'prices.yaml');
    writeFileSync(prices, 'test-model:\n  input: 1\n  output: 2\n  cached: 0.5\n');
    const error = await prepareRun({ taskPaths: [join(repoRoot, 'samples', 'qa-rater')], pricesPath: prices, outputDir: join(dir, 'out'), env: {} }).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).file).toBe(prices);
    expect((error as ConfigError).message).toContain('cached');
  });

  test('costBudget stops a task once its cost reaches the budget: status budget_spent', async () => {
    const server = await raterServer();
    // Each rating prompt is about 80 words: $0.08 at 1000 $/M; a budget of $0.1 is spent by the second answer.
    const { records, result } = await runRater(server, { call_limit: 1, price: { input: 1000, output: 2000 } }, { costBudget: 0.1 });
    expect(result).toMatchObject({ status: 'budget_spent', reason: 'cost_budget' });
    expect(result.message).toMatch(/^cost budget of \$0\.1 spent \(\$\d+\.\d{4}\)$/);
    expect(Number(result.metrics?.['cost_usd'])).toBeGreaterThanOrEqual(0.1);
    expect(records.length).toBeLessThan(5);
    expect(records).toHaveLength(Number(result.metrics?.['lm_calls']));
  });

  test('tokenBudget stops a task once its tokens reach the budget: status budget_spent', async () => {
    const server = await raterServer();
    const { records, result } = await runRater(server, { call_limit: 1 }, { tokenBudget: 100 });
    expect(result).toMatchObject({ status: 'budget_spent', reason: 'token_budget' });
    expect(result.message).toMatch(/^token budget of 100 spent \(\d+ tokens\)$/);
    expect(Number(result.metrics?.['prompt_tokens']) + Number(result.metrics?.['completion_tokens'])).toBeGreaterThanOrEqual(100);
    expect(records.length).toBeLessThan(5);
  });

  test('a budget that is never reached lets the task complete', async () => {
    const server = await raterServer();
    const { records, result } = await runRater(server, { price: { input: 1, output: 1 } }, { costBudget: 100, tokenBudget: 1_000_000 });
    expect(records).toHaveLength(5);
    expect(result.status).toBe('completed');
  });
});

describe('hasTokenBudget and hasCostBudget', () => {
  const progressWith = (usage: Partial<Usage>): TaskProgress => ({ ...initialProgress(0), usage: { ...noUsage, ...usage } });

  test('hasTokenBudget holds once prompt plus completion tokens reach the budget, not before', () => {
    const budget = hasTokenBudget(100);
    expect(budget.reason).toBe('token_budget');
    expect(budget(progressWith({ promptTokens: 60, completionTokens: 39 }))).toBe(false);
    expect(budget(progressWith({ promptTokens: 60, completionTokens: 40 }))).toBe(true);
    expect(budget.describe(progressWith({ promptTokens: 70, completionTokens: 40 }))).toBe('token budget of 100 spent (110 tokens)');
  });

  test('hasCostBudget holds once the cost reaches the budget, not before', () => {
    const budget = hasCostBudget(0.5);
    expect(budget.reason).toBe('cost_budget');
    expect(budget(progressWith({ costUsd: 0.4999 }))).toBe(false);
    expect(budget(progressWith({ costUsd: 0.5 }))).toBe(true);
    expect(budget.describe(progressWith({ costUsd: 0.61234 }))).toBe('cost budget of $0.5 spent ($0.6123)');
  });

  test('a budget of 0, a negative one or a fractional token budget is a ConfigError', () => {
    for (const make of [() => hasTokenBudget(0), () => hasTokenBudget(1.5), () => hasCostBudget(0), () => hasCostBudget(-1)]) {
      expect(make).toThrow(ConfigError);
    }
  });
});
