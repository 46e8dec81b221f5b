/**
 * `--seed` and `runner_config.seed` through the CLI: a seeded rerun repeats every prompt (so a warm `lm_cache`
 * answers all of them and the records come out the same), another seed draws other prompts, and bad values are
 * refused naming the flag or field.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestServerRequest } from '../../lib/testing/test-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { geographyTask, serverConfig, stderrLines, uniqueIds, wholeLines } from './cli-tasks.ts';
import { generationRequests, promptOf, runCli } from './run-cli.ts';

const startServer = useTestServers();

/** Ten seeds, so that three examples drawn from them rarely repeat a prompt. */
const seeds = Array.from({ length: 10 }, (_, index) => ({ question: `Which place is number ${index} on the seed list?`, answer: `Place ${index}.` }));

/** An answer that is a function of the prompt alone, as a model's at temperature 0. */
function answerOf(request: TestServerRequest): string {
  const tag = createHash('sha256').update(promptOf(request)).digest('hex').slice(0, 10);
  return `Question: Which region has the code ${tag}?\nAnswer: The region ${tag}.`;
}

describe('rxdgt run --seed', () => {
  it('repeats the prompts: a warm cache answers every one and the records are the same; another seed draws others', async () => {
    const server = await startServer({ respond: answerOf });
    const dir = tempDir();
    const out = join(dir, 'out');
    const cache = join(dir, 'cache.sqlite');
    const config = serverConfig(dir, server, { temperature: 0 });
    const target = 12;
    const runner = { num_outputs_to_generate: target };
    const seeded = geographyTask(dir, 't', { seed_examples: seeds, runner_config: runner });
    const args = (task: string, ...more: string[]) => ['run', '--task-paths', task, '--config-path', config, '--output-dir', out, ...more];
    const data = join(out, 't', 'data.jsonl');
    /** Runs, checks it completed, and returns the prompts it sent and its records. */
    const runOnce = async (task: string, ...more: string[]) => {
      const before = generationRequests(server.requests).length;
      const result = await runCli(args(task, ...more));
      expect([result.code, result.stderr]).toEqual([0, '']);
      const records = wholeLines(data);
      expect(records).toHaveLength(target);
      uniqueIds(records);
      return { prompts: generationRequests(server.requests).slice(before).map(promptOf).sort(), records };
    };
    const pairsOf = (records: readonly Record<string, unknown>[]) => records.map((record) => `${String(record['rxdgt_id'])} ${String(record['question'])} ${String(record['answer'])}`).sort();

    const first = await runOnce(seeded, '--seed', '7', '--lm-cache', cache);
    // No prompt repeats within the run: which of two equal ones the dedup kept would follow the timing.
    expect(new Set(first.prompts).size).toBe(first.prompts.length);
    expect(wholeLines(join(out, 't', 'task_results.jsonl')).at(-1)).toMatchObject({ seed: 7 });
    expect(wholeLines(join(out, 't', 'task_card.jsonl')).at(-1)).toMatchObject({ seed: 7 });

    // Started over with the same seed: every prompt is one the cache holds.
    const cached = await runOnce(seeded, '--restart', '--seed', '7', '--lm-cache', cache);
    expect(cached.prompts).toEqual([]);
    expect(pairsOf(cached.records)).toEqual(pairsOf(first.records));
    expect(wholeLines(join(out, 't', 'task_results.jsonl')).at(-1)).toMatchObject({ metrics: { lm_calls: 0, lm_calls_cached: first.prompts.length } });

    // Without a cache the same seed sends the same prompts again.
    const again = await runOnce(seeded, '--restart', '--seed', '7');
    expect(again.prompts).toEqual(first.prompts);
    expect(pairsOf(again.records)).toEqual(pairsOf(first.records));

    // Another seed draws other examples.
    const other = await runOnce(seeded, '--restart', '--seed', '8');
    expect(other.prompts).not.toEqual(first.prompts);

    // `runner_config.seed` in the task file does what the flag does.
    const inFile = geographyTask(dir, 't', { seed_examples: seeds, runner_config: { ...runner, seed: 7 } }, 'seeded.yaml');
    const fromFile = await runOnce(inFile, '--restart');
    expect(fromFile.prompts).toEqual(first.prompts);
    expect(wholeLines(join(out, 't', 'task_results.jsonl')).at(-1)).toMatchObject({ seed: 7 });
    // And the flag wins over the file.
    const flagWins = await runOnce(inFile, '--restart', '--seed', '8');
    expect(flagWins.prompts).toEqual(other.prompts);
  });
});

describe('rxdgt run: bad seeds', () => {
  for (const value of ['-1', 'x', '4294967296', '1.5']) {
    it(`--seed ${value}: exit 2 naming the flag`, async () => {
      const out = join(tempDir(), 'out');
      const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--output-dir', out, '--seed', value]);
      expect(result.code).toBe(2);
      expect(stderrLines(result.stderr)).toEqual([`rxdgt: \`--seed\` must be a whole number from 0 to 4294967295, received \`${value}\``]);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('--seed without a value: exit 2 naming the flag', async () => {
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--seed']);
    expect(result.code).toBe(2);
    expect(stderrLines(result.stderr)).toEqual(['rxdgt: `--seed` needs a value']);
  });

  it('runner_config.seed: -1 in a task file: exit 2 naming the file and the field', async () => {
    const dir = tempDir();
    const task = geographyTask(dir, 't', { runner_config: { seed: -1 } });
    const result = await runCli(['run', '--task-paths', task, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(stderrLines(result.stderr)).toEqual([expect.stringMatching(new RegExp(`^rxdgt: ${task}: field \`runner_config\\.seed\`: `))]);
  });
});
