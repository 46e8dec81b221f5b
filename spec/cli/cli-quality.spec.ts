import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { geography, geographyTask, lineCount } from './cli-tasks.ts';
import { generationRequests, runCli, summaryTable } from './run-cli.ts';

const startServer = useTestServers();

describe('rxdgt run: quality thresholds of runner_config', () => {
  it('min_acceptance_rate stops a task whose answers are mostly unusable: low_quality, exit 1, its records kept', async () => {
    // One answer in five is a question-answer pair; the rest cannot be parsed.
    const server = await startServer({ respond: (_request, index) => (index % 5 === 0 ? `Question: Unique question ${index}?\nAnswer: A.` : 'garbled') });
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 'geo_poor', { runner_config: { num_outputs_to_generate: 100, min_acceptance_rate: { rate: 0.5, window: 20, after: 20 } } });
    const config = join(dir, 'config.yaml');
    writeFileSync(config, stringify({ databuilders: { [geography]: { blocks: [{ name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', call_limit: 1 }] } } }));

    // Seeded: which prompts repeat (and are answered from the engine's cache) is the same in every run.
    const result = await runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', out, '--seed', '1']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const folder = join(out, 'geo_poor');
    const message = 'acceptance rate 0.20 over the last 20 inputs is below 0.5 (4 made a record)';
    expect(readLines<TaskResult>(join(folder, 'task_results.jsonl'))).toMatchObject([{ status: 'low_quality', reason: 'acceptance_rate', message, metrics: { 'Number of data produced': 4 } }]);
    expect(summaryTable(result.stdout).rows).toMatchObject([{ task: 'geo_poor', status: 'low_quality', records: '4' }]);
    expect(result.stdout).toContain(`geo_poor: low_quality: ${message}`);
    expect(lineCount(join(folder, 'final_data.jsonl'))).toBe(4);
    // Twenty inputs settled, no more: some prompts repeat (two seeds), and the engine's cache answers those.
    expect(generationRequests(server.requests).length).toBeLessThanOrEqual(20);
  });
});
