/**
 * `rxdgt preview` through the CLI, against the local OpenAI-compatible test server (which counts tokens as
 * whitespace-separated words): a few inputs per task through the real pipeline into a temporary folder, the sample's
 * records and rejects, and the estimate to the task's target.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countMessageWords, countWords } from '../../lib/testing/test-server-bodies.ts';
import { startTestServer } from '../../lib/testing/test-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { geography, geographyTask, lineCount, qaRows, rater, raterTask, rating } from './cli-tasks.ts';
import { generationRequests, runCli, writeBlockConfig } from './run-cli.ts';

const startServer = useTestServers();

/** An answer of 7 words whatever the request: `Question: Where is place <n>? Answer: Here.` */
const fixedAnswer = (index: number): string => `Question: Where is place ${index}?\nAnswer: Here.`;

/** The number on the estimate line `label`, without its thousands separators; undefined when there is none. */
function estimated(stdout: string, label: string): string | undefined {
  return new RegExp(`^ {4}${label} +(.+)$`, 'm').exec(stdout)?.[1]?.replaceAll(',', '');
}

describe('rxdgt preview', () => {
  it('runs --limit inputs against the server, writes nothing to the output folder, and estimates the target from the sample', async () => {
    const server = await startServer({ respond: (_request, index) => fixedAnswer(index) });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo', { runner_config: { num_outputs_to_generate: 20 } });
    // Sampling (temperature 1): every input's call reaches the server, none is answered from the engine's cache.
    const price = { input: 1000, output: 2000 };
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 1, rpm: 600, price } });
    const out = join(dir, 'out');

    const result = await runCli(['preview', '--task-paths', task, '--config-path', config, '--output-dir', out, '--limit', '4']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Every input made a record: the 4 inputs are 4 requests, and nothing more.
    const requests = generationRequests(server.requests);
    expect(requests).toHaveLength(4);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'geo'))).toBe(false);

    // 20 records at 1 call each, scaled from the sample's 4: its tokens times 5.
    const samplePrompt = requests.reduce((sum, request) => sum + countMessageWords(request.body.messages), 0);
    const sampleCompletion = 4 * countWords(fixedAnswer(0));
    expect(result.stdout).toContain('geo (generation): a sample of 4 inputs: 4 records, 0 rejected, 4 LM calls');
    expect(result.stdout).toMatch(/^ {2}record {2}question: Where is place \d\?/m);
    expect(result.stdout).toContain('estimate to 20 records, from the 4 inputs of this sample (100% of inputs made a record)');
    expect(estimated(result.stdout, 'inputs')).toBe('20');
    expect(estimated(result.stdout, 'LM calls')).toBe('20');
    const prompt = samplePrompt * 5;
    const completion = sampleCompletion * 5;
    expect(estimated(result.stdout, 'prompt tokens')).toBe(String(prompt));
    expect(estimated(result.stdout, 'completion tokens')).toBe(String(completion));
    const usd = (prompt * price.input + completion * price.output) / 1e6;
    expect(estimated(result.stdout, 'cost')).toBe(`$${usd.toFixed(usd >= 1 ? 2 : 4)}`);
    // 20 calls at 600 a minute: 2 s, far above what 10 calls at once to a local server take.
    expect(estimated(result.stdout, 'wall time')).toBe('at least 2.0s (rpm limit 600)');
    expect(result.stdout).toContain('Estimates from a sample of each task (--limit 4)');
  });

  it('lists the rejects with their block, code and reason, shows no cost without a price, and exits 0', async () => {
    // The second request gets an answer that is no pair.
    const server = await startServer({ respond: (_request, index) => (index === 1 ? 'I would rather not.' : fixedAnswer(index)) });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo', { runner_config: { num_outputs_to_generate: 50 } });
    // Sampling (temperature 1): no answer comes from the engine's cache, so the one bad answer is the one reject.
    const block = { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 1 };
    const config = writeBlockConfig(dir, { [geography]: block });

    const result = await runCli(['preview', '--task-paths', task, '--config-path', config, '--output-dir', join(dir, 'out')]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The default of 5 inputs, exactly: the run starts none beyond them.
    expect(generationRequests(server.requests)).toHaveLength(5);
    expect(result.stdout).toMatch(/^ {2}reject {2}generator {2}parse_failed {2}expected one "Answer:" in the answer, found 0$/m);
    expect(result.stdout).toContain('geo (generation): a sample of 5 inputs: 4 records, 1 rejected, 5 LM calls\n');
    const [inputs, records, calls] = [5, 4, 5];
    expect(result.stdout).toContain(`from the ${inputs} inputs of this sample (${Math.round((records / inputs) * 100)}% of inputs made a record)`);
    expect(estimated(result.stdout, 'LM calls')).toBe(String(Math.round((calls / records) * 50)));
    expect(estimated(result.stdout, 'cost')).toBe('-');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('answers from an lm_cache are LM calls, said to come from a cache', async () => {
    const server = await startServer({ respond: (_request, index) => fixedAnswer(index) });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo', { runner_config: { num_outputs_to_generate: 12 } });
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 0 } });
    const args = ['preview', '--task-paths', task, '--config-path', config, '--lm-cache', join(dir, 'answers.db'), '--seed', '3', '--limit', '3'];

    expect((await runCli(args)).code).toBe(0);
    const result = await runCli(args);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(generationRequests(server.requests)).toHaveLength(3);
    expect(result.stdout).toContain('geo (generation): a sample of 3 inputs: 3 records, 0 rejected, 3 LM calls (3 answered from a cache)\n');
    expect(result.stdout).toMatch(/^ {4}LM calls {11}12 \(12 of them from a cache, at the sample's share\)$/m);
  });

  it('a transformation is sampled to exactly --limit rows', async () => {
    const server = await startServer({ respond: () => rating(), latencyMs: 20 });
    const dir = tempDir();
    const task = raterTask(dir, 'rated', qaRows(30));
    const config = writeBlockConfig(dir, { [rater]: { name: 'rater', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 1, call_limit: 8 } });

    const result = await runCli(['preview', '--task-paths', task, '--config-path', config, '--limit', '3']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(generationRequests(server.requests)).toHaveLength(3);
    expect(result.stdout).toContain('rated (transformation): a sample of 3 inputs: 3 records, 0 rejected, 3 LM calls\n');
    expect(result.stdout).toContain('estimate to 30 rows');
  });

  it('--keep keeps the temporary folder and prints its path; the task folder there holds the sample', async () => {
    const server = await startServer({ respond: (_request, index) => fixedAnswer(index) });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo');
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', temperature: 1 } });

    const result = await runCli(['preview', '--task-paths', task, '--config-path', config, '--limit', '2', '--keep']);
    const kept = /^The sample's output folder is kept: (.+)$/m.exec(result.stdout)?.[1];
    try {
      expect([result.code, result.stderr]).toEqual([0, '']);
      expect(kept).toBeDefined();
      expect(lineCount(join(kept as string, 'geo', 'data.jsonl'))).toBe(2);
    } finally {
      if (kept !== undefined) rmSync(kept, { recursive: true, force: true });
    }
  });

  it('--limit must be a whole number of 1 or more, and belongs to preview only: exit 2', async () => {
    const dir = tempDir();
    const task = geographyTask(dir, 'geo');
    for (const args of [
      ['preview', '--task-paths', task, '--limit', '0'],
      ['preview', '--task-paths', task, '--limit', 'five'],
      ['run', '--task-paths', task, '--limit', '3'],
      ['run', '--task-paths', task, '--keep'],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('`--');
      expect(result.stdout).toBe('');
    }
  });

  it('an engine that does not answer: exit 1, as `run`', async () => {
    const closed = await startTestServer();
    await closed.close();
    const dir = tempDir();
    const task = geographyTask(dir, 'geo');
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'openai', base_url: closed.baseURL, model_id_or_path: 'test-model' } });

    const result = await runCli(['preview', '--task-paths', task, '--config-path', config, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach the openai engine of block `generator`');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
