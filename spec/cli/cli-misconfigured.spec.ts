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

describe('rxdgt run: a mistake in the pipeline does not pass as data', () => {
  it('a dedup block whose input_map names a field with a typo fails the task after 10 records, exit 1, without spending the target', async () => {
    const server = await startServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const task = geographyTask(dir, 'geo_typo', { runner_config: { num_outputs_to_generate: 100 } });
    // The builder's blocks as a joint config overrides them: the model on the test server, the dedup reading `questoin`.
    const config = join(dir, 'config.yaml');
    writeFileSync(
      config,
      stringify({
        databuilders: {
          [geography]: {
            blocks: [
              { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model' },
              { name: 'dedup', input_map: { questoin: 'input' } },
            ],
          },
        },
      }),
    );

    const result = await runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', out]);
    const message =
      'every one of the first 10 records was rejected by block `dedup`: input_missing: block `dedup` needs input `input`, read from `questoin` (its input_map), and the record has no such field (its fields: question, answer)';
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const folder = join(out, 'geo_typo');
    expect(readLines<TaskResult>(join(folder, 'task_results.jsonl'))).toMatchObject([
      { status: 'failed', reason: 'misconfigured', message, metrics: { 'Number of data produced': 0 } },
    ]);
    expect(summaryTable(result.stdout).rows).toMatchObject([{ task: 'geo_typo', status: 'failed', records: '0' }]);
    expect(result.stdout).toContain(`geo_typo: failed: ${message}`);
    // What the run did stays on disk: no record, every rejection with its reason.
    expect(lineCount(join(folder, 'data.jsonl'))).toBe(0);
    const rejections = readLines<{ issues: { code: string }[] }>(join(folder, 'blocks', 'dedup.jsonl'));
    expect(rejections.length).toBeGreaterThanOrEqual(10);
    expect(rejections.every(({ issues }) => issues[0]?.code === 'input_missing')).toBe(true);
    // Ten records and the calls in flight when the task stopped, far from the 100 of the target.
    expect(generationRequests(server.requests).length).toBeLessThan(30);
  });
});
