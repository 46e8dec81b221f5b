/**
 * DGT's CLI flags through the CLI: `--max-stalled-requests` and `--max-gen-requests` stop a generation task,
 * `--debug` prints info lines, the bare form (`rxdgt --task-paths ...`) runs, a `.env` file in the working directory
 * is loaded (variables already set win; a malformed one is exit 2), and an `openai` block without `base_url` goes
 * to OPENAI_BASE_URL.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../lib/store/task-result.ts';
import type { TestServerRequest } from '../../lib/testing/test-server.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { geography, geographyTask, lineCount, twoSeeds, writeTask } from './cli-tasks.ts';
import { type CliResult, generationRequests, promptOf, runCli, summaryTable } from './run-cli.ts';

const startServer = useTestServers();

/** A joint config with one generator block (one call at a time) at `baseURL`, or with no `base_url` at all. */
function generatorConfig(dir: string, baseURL: string | undefined): string {
  const block = { name: 'generator', type: 'openai', model_id_or_path: 'test-model', call_limit: 1, ...(baseURL ? { base_url: baseURL } : {}) };
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify({ databuilders: { [geography]: { blocks: [block] } } }));
  return path;
}

/** A usable answer, its question unique to the request. */
function uniquePair(_request: TestServerRequest, index: number): string {
  return `Question: Which place has the number ${index}?\nAnswer: Place ${index}.`;
}

/** Runs the CLI from `cwd` (not the repo root), so a `.env` file there is the one it loads. */
const runCliAt = (cwd: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> => runCli(args, env, { cwd });

describe('rxdgt run: DGT flags', () => {
  it('--max-stalled-requests 3 stops a task whose answers are all unusable after 3 attempts: stalled, exit 1', async () => {
    const server = await startServer({ respond: () => 'garbled' });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 'geo_stuck', { runner_config: { num_outputs_to_generate: 10 } });
    const result = await runCli(['run', '--task-paths', task, '--config-path', generatorConfig(dir, server.baseURL), '--output-dir', out, '--max-stalled-requests', '3']);
    expect(result.code).toBe(1);
    expect(readLines<TaskResult>(join(out, 'geo_stuck', 'task_results.jsonl'))).toMatchObject([{ status: 'stalled', reason: 'stalled', message: 'no new record in the last 3 attempts' }]);
    // Three inputs settled, no more (the engine's cache may answer a repeated prompt).
    expect(generationRequests(server.requests).length).toBeLessThanOrEqual(3);
  });

  it('--max-gen-requests 4 stops a task after 4 generation attempts, short of its target: stalled, exit 1, records kept', async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 'geo_capped', { runner_config: { num_outputs_to_generate: 50 } });
    const result = await runCli(['run', '--task-paths', task, '--config-path', generatorConfig(dir, server.baseURL), '--output-dir', out, '--max-gen-requests', '4']);
    expect(result.code).toBe(1);
    const [ended] = readLines<TaskResult>(join(out, 'geo_capped', 'task_results.jsonl'));
    expect(ended).toMatchObject({ status: 'stalled', reason: 'stalled' });
    expect(ended?.message).toContain('`--max-gen-requests` limit (4)');
    expect(summaryTable(result.stdout).rows).toMatchObject([{ task: 'geo_capped', status: 'stalled' }]);
    expect(lineCount(join(out, 'geo_capped', 'final_data.jsonl'))).toBeLessThanOrEqual(4);
    expect(generationRequests(server.requests).length).toBeLessThanOrEqual(4);
  });

  it('--seed-batch-size 1 --machine-batch-size 0: every prompt shows one seed and no machine-made record', async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 'geo_batches', { runner_config: { num_outputs_to_generate: 2, seed_batch_size: 2, machine_batch_size: 10 } });
    const result = await runCli(['run', '--task-paths', task, '--config-path', generatorConfig(dir, server.baseURL), '--output-dir', out, '--seed-batch-size', '1', '--machine-batch-size', '0']);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const prompts = generationRequests(server.requests).map(promptOf);
    // One seed per batch: two prompts only, one per seed (the engine's cache answers a repeat).
    expect(prompts.length).toBeGreaterThanOrEqual(2);
    for (const prompt of prompts) {
      expect(twoSeeds.filter((seed) => prompt.includes(seed.question))).toHaveLength(1);
      expect(prompt).not.toContain('Which place has the number');
    }
  });

  it("runs DGT's bare form (`rxdgt --task-paths ...`), and `--debug` prints the info lines on stderr", async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 'geo_bare', { runner_config: { num_outputs_to_generate: 2 } });
    const config = generatorConfig(dir, server.baseURL);
    const quiet = await runCli(['--task-paths', task, '--config-path', config, '--output-dir', out]);
    expect([quiet.code, quiet.stderr]).toEqual([0, '']);
    expect(lineCount(join(out, 'geo_bare', 'final_data.jsonl'))).toBe(2);

    const loud = await runCli(['--task-paths', task, '--config-path', config, '--output-dir', out, '--restart', '--debug']);
    expect(loud.code).toBe(0);
    expect(loud.stderr).toMatch(/^rxdgt: geo_bare: /m);
  });

  it('an openai block without base_url goes to OPENAI_BASE_URL, which a .env file in the working directory may set', async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 'geo_env', { runner_config: { num_outputs_to_generate: 2 } });
    const config = generatorConfig(dir, undefined);
    const args = ['run', '--task-paths', task, '--config-path', config, '--output-dir', out, '--restart'];

    const fromVariable = await runCli(args, { OPENAI_BASE_URL: server.baseURL });
    expect([fromVariable.code, fromVariable.stderr]).toEqual([0, '']);
    const afterVariable = generationRequests(server.requests).length;
    expect(afterVariable).toBeGreaterThanOrEqual(2);

    writeFileSync(join(dir, '.env'), `# endpoint of the test server\nOPENAI_BASE_URL="${server.baseURL}"\n`);
    const fromDotEnv = await runCliAt(dir, args);
    expect([fromDotEnv.code, fromDotEnv.stderr]).toEqual([0, '']);
    expect(generationRequests(server.requests).length).toBeGreaterThanOrEqual(afterVariable + 2);
  });

  it('a variable already set wins over the .env file', async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const task = geographyTask(dir, 'geo_env', { runner_config: { num_outputs_to_generate: 2 } });
    // The .env file points at a port nothing listens on; the environment's value is the test server.
    writeFileSync(join(dir, '.env'), 'OPENAI_BASE_URL=http://127.0.0.1:9/v1\n');
    const result = await runCliAt(dir, ['run', '--task-paths', task, '--config-path', generatorConfig(dir, undefined), '--output-dir', join(dir, 'out')], {
      OPENAI_BASE_URL: server.baseURL,
    });
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(generationRequests(server.requests).length).toBeGreaterThanOrEqual(2);
  });

  it('a malformed .env file is exit 2 naming it, before any task runs', async () => {
    const dir = tempDir();
    const task = geographyTask(dir, 'geo_env');
    writeFileSync(join(dir, '.env'), 'OPENAI_BASE_URL=http://127.0.0.1:9/v1\nthis line is no assignment\n');
    const result = await runCliAt(dir, ['run', '--task-paths', task, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(join(dir, '.env'));
    expect(result.stderr).toContain('line 2 of the .env file is not `NAME=value`');
  });

  it('--config-path alone is a complete run: a whole task under `tasks:` (builder keys such as max_workers are taken)', async () => {
    const server = await startServer({ respond: (_request, index) => `Question: What is the capital of config region ${index}?\nAnswer: City ${index}.` });
    const dir = tempDir();
    const out = join(dir, 'out');
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        databuilders: { [geography]: { max_workers: 4, blocks: [{ name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', api_key: 'k' }] } },
        tasks: {
          whole_geo: {
            task_description: 'A whole task in the joint config.',
            created_by: 'test',
            data_builder: geography,
            seed_examples: twoSeeds,
            runner_config: { num_outputs_to_generate: 3 },
          },
        },
      }),
    );
    const result = await runCli(['--config-path', config, '--output-dir', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    expect(lineCount(join(out, 'whole_geo', 'data.jsonl'))).toBe(3);
    expect(summaryTable(result.stdout).rows).toMatchObject([{ task: 'whole_geo', status: 'completed', records: '3' }]);

    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, 'tasks: {}\n');
    const none = await runCli(['run', '--config-path', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(`${empty}: the joint config defines no task`);
  });

  it('a directory tree runs every task it can and reports each one it cannot, one line each: exit 2', async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const out = join(dir, 'out');
    const tree = join(dir, 'tasks');
    for (const sub of ['a_good', 'b_unknown_field', 'c_unknown_builder', 'd_good', 'e_broken_yaml']) mkdirSync(join(tree, sub), { recursive: true });
    geographyTask(join(tree, 'a_good'), 'tree_a', { runner_config: { num_outputs_to_generate: 2 } });
    geographyTask(join(tree, 'b_unknown_field'), 'tree_b', { max_turns: 3 });
    writeTask(join(tree, 'c_unknown_builder'), 'tree_c', 'public/no/such_builder', { seed_examples: twoSeeds });
    geographyTask(join(tree, 'd_good'), 'tree_d', { runner_config: { num_outputs_to_generate: 2 } });
    writeFileSync(join(tree, 'e_broken_yaml', 'task.yaml'), 'task_name: [unclosed\n');
    const result = await runCli(['run', '--task-paths', tree, '--config-path', generatorConfig(dir, server.baseURL), '--output-dir', out]);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(new RegExp(`^rxdgt: ${join(tree, 'b_unknown_field', 'task.yaml')}: .*max_turns`));
    expect(lines[1]).toMatch(new RegExp(`^rxdgt: ${join(tree, 'c_unknown_builder', 'task.yaml')}: field \`data_builder\`: unknown builder \`public/no/such_builder\``));
    expect(lines[2]).toContain(join(tree, 'e_broken_yaml', 'task.yaml'));
    expect(lines[3]).toBe('rxdgt: 3 task(s) set aside; running the other 2');
    expect(lineCount(join(out, 'tree_a', 'data.jsonl'))).toBe(2);
    expect(lineCount(join(out, 'tree_d', 'data.jsonl'))).toBe(2);
    expect(summaryTable(result.stdout).rows.map((row) => [row.task, row.status])).toEqual([
      ['tree_a', 'completed'],
      ['tree_d', 'completed'],
    ]);
  });

  it('when no task of the tree can be loaded, each problem is listed and nothing runs: exit 2', async () => {
    const dir = tempDir();
    for (const sub of ['one', 'two']) {
      mkdirSync(join(dir, sub));
      writeTask(join(dir, sub), `bad_${sub}`, 'public/no/such_builder', { seed_examples: twoSeeds });
    }
    const result = await runCli(['run', '--task-paths', dir, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^rxdgt: none of the 2 tasks could be loaded:\n  .*one\/task\.yaml: field `data_builder`: unknown builder .*\n  .*two\/task\.yaml: field `data_builder`: unknown builder /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it("--include-builder-paths with DGT's package folder: DGT's builder YAML and prompt template drive rxdgt's code", async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const out = join(dir, 'out');
    // DGT's layout, in miniature: a builder folder with its YAML, its prompt and its Python, beside YAMLs of other kinds.
    const qa = join(dir, 'fms_dgt', 'public', 'databuilders', 'examples', 'qa');
    mkdirSync(join(qa, 'prompt_templates'), { recursive: true });
    writeFileSync(join(qa, 'qa.yaml'), stringify({ name: geography, blocks: [{ name: 'generator', type: 'ollama', model_id_or_path: 'granite4:3b' }, { name: 'dedup', type: 'rouge_scorer', filter: true, threshold: 1.0, input_map: { question: 'input' } }], postprocessors: [{ name: 'dedup' }] }));
    writeFileSync(join(qa, 'prompt_templates', 'prompt.txt'), 'DGT-PROMPT-MARKER examples follow:\n{{ examples }}\n');
    writeFileSync(join(qa, 'generate.py'), '# not read\n');
    mkdirSync(join(dir, 'fms_dgt', 'public', 'blocks'), { recursive: true });
    writeFileSync(join(dir, 'fms_dgt', 'public', 'blocks', 'other.yaml'), 'name: not/a_builder\ntype: something\n');
    writeFileSync(join(dir, 'fms_dgt', 'public', 'blocks', 'broken.yaml'), 'key: [unclosed\n');
    const task = geographyTask(dir, 'geo_dgt', { runner_config: { num_outputs_to_generate: 2 } });
    const result = await runCli(['run', '--task-paths', task, '--include-builder-paths', join(dir, 'fms_dgt'), '--config-path', generatorConfig(dir, server.baseURL), '--output-dir', out]);
    expect([result.code, result.stderr]).toEqual([0, '']);
    const prompts = generationRequests(server.requests).map(promptOf);
    expect(prompts.length).toBeGreaterThanOrEqual(2);
    for (const prompt of prompts) expect(prompt).toMatch(/^DGT-PROMPT-MARKER examples follow:\nQuestion: /);
    expect(lineCount(join(out, 'geo_dgt', 'data.jsonl'))).toBe(2);
  });

  it('a task naming DGT\'s time_series builder exits 2 saying why rxdgt leaves it out', async () => {
    const dir = tempDir();
    const task = writeTask(dir, 'ts', 'time_series', { data: [{ observations: { a: [1, 2, 3] } }], data_params: { train_channels: ['a'] }, sdforger_params: { embedding_type: 'fpc' } });
    const result = await runCli(['run', '--task-paths', task, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`rxdgt: ${task}: field \`data_builder\`: builder \`time_series\` is not available in rxdgt: it fine-tunes a language model in process (SDForger: a model is trained on the embedded series, then sampled), which rxdgt does not do; run this task with DGT, or generate series with a builder of your own\n`);
  });

  it('a builder-level key the builder does not know, in a joint config, is exit 2 naming databuilders.<name>.<key>', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, stringify({ databuilders: { [geography]: { max_wrokers: 4 } } }));
    const task = geographyTask(dir, 'geo_typo');
    const result = await runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^rxdgt: ${config}: field \`databuilders\.${geography.replace(/\//g, '\\/')}\.max_wrokers\`: `));
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('--simulated: every LM block answers offline, labelled; no endpoint reached, no lm_cache written; a bad block is still exit 2', async () => {
    const server = await startServer({ respond: uniquePair });
    const dir = tempDir();
    const out = join(dir, 'out');
    const cache = join(dir, 'cache.sqlite');
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--simulated', '--output-dir', out, '--num-outputs-to-generate', '4', '--lm-cache', cache], { OLLAMA_HOST: server.url });
    expect([result.code, result.stderr]).toEqual([0, '']);
    const records = readLines<{ question: string; answer: string }>(join(out, 'samples', 'geography_qa', 'final_data.jsonl'));
    expect(records).toHaveLength(4);
    for (const record of records) expect(record.question).toMatch(/^\[simulated\] /);
    expect(server.requests).toEqual([]);
    expect(existsSync(cache)).toBe(false);
    expect(summaryTable(result.stdout).rows).toMatchObject([{ task: 'samples/geography_qa', status: 'completed', records: '4', cost: '-' }]);

    const config = join(dir, 'bad.yaml');
    writeFileSync(config, stringify({ databuilders: { [geography]: { blocks: [{ name: 'generator', temperature: 'hot' }] } } }));
    const bad = await runCli(['run', '--task-paths', 'samples/geography-qa', '--simulated', '--config-path', config, '--output-dir', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${config}: field \`databuilders.${geography}.blocks.0.temperature\``);
  });
});
