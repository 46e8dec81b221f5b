/**
 * `--batch` and `batch: true` through the CLI: the geography sample's generator sent through the test server's
 * OpenAI batch routes, at half price; a run killed while its batch is pending, or while the provider makes it, run
 * again, submits nothing twice.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskResult } from '../../lib/store/task-result.ts';
import type { TestServer } from '../../lib/testing/test-server.ts';
import type { TestServerBatchOptions } from '../../lib/testing/test-server-options.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { useTestServers } from '../helpers/test-servers.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { runCli, startCli, summaryTable, writeBlockConfig } from './run-cli.ts';

const startServer = useTestServers();
const geography = 'public/examples/geography_qa';
const price = { input: 2, output: 8 };

/** A server whose batch routes report every custom id they are sent. */
async function batchServer(options: TestServerBatchOptions = {}): Promise<{ server: TestServer; submitted: string[] }> {
  const submitted: string[] = [];
  const server = await startServer({ batches: { ...options, onSubmit: (_id, customIds) => submitted.push(...customIds) } });
  return { server, submitted };
}

/** A joint config putting the geography generator at the server, with short batch waits. */
function configFor(dir: string, server: TestServer, block: Readonly<Record<string, unknown>> = {}): string {
  return writeBlockConfig(dir, {
    [geography]: { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', price, batch_window: 0.05, batch_poll_interval: 0.05, batch_poll_max_interval: 0.2, ...block },
  });
}

const taskDir = (out: string): string => join(out, 'samples', 'geography_qa');

describe('rxdgt run --batch', () => {
  it('sends the generator\'s requests as provider batches, makes the target, and counts them at half price under `openai-batch`', async () => {
    const { server, submitted } = await batchServer();
    const dir = tempDir();
    const out = join(dir, 'out');
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', configFor(dir, server), '--output-dir', out, '--num-outputs-to-generate', '12', '--batch']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readLines(join(taskDir(out), 'final_data.jsonl'))).toHaveLength(12);
    expect(server.counters.byPath['/v1/chat/completions'] ?? 0).toBe(0);
    expect(server.counters.byPath['/v1/batches']).toBeGreaterThanOrEqual(1);
    expect(new Set(submitted).size).toBe(submitted.length);
    // Keyed by the input each request was made for.
    expect(submitted.every((customId) => /^\d+-[0-9a-f]+_[0-9a-f]{16}_\d+$/.test(customId))).toBe(true);
    const [taskResult] = readLines<TaskResult>(join(taskDir(out), 'task_results.jsonl'));
    const usage = taskResult!.usage_by_model!['generator: openai-batch/test-model']!;
    expect(usage.calls).toBe(submitted.length);
    expect(usage.costUsd).toBeCloseTo(((usage.promptTokens * price.input + usage.completionTokens * price.output) / 1e6) * 0.5, 9);
    expect(summaryTable(result.stdout).rows[0]).toMatchObject({ status: 'completed', records: '12' });
    // Settled: no batch left pending.
    expect(readLines(join(taskDir(out), 'pending_batches.json'))).toEqual([{ batches: [] }]);
  });

  it('a run killed while its batch is pending, run again, adopts the batch: each custom_id reaches the server once', async () => {
    const { server, submitted } = await batchServer({ completeAfterMs: 3000 });
    const dir = tempDir();
    const out = join(dir, 'out');
    const args = ['run', '--task-paths', 'samples/geography-qa', '--config-path', configFor(dir, server), '--output-dir', out, '--num-outputs-to-generate', '8', '--seed', '7', '--batch'];
    const first = startCli(args);
    // Pending: journaled by its id (not only `staged`, as between the upload and the provider's answer).
    const journal = join(taskDir(out), 'pending_batches.json');
    await waitFor(() => existsSync(journal) && readLines<{ batches: { staged?: boolean }[] }>(journal)[0]!.batches.some((batch) => !batch.staged));
    first.child.kill('SIGKILL');
    await first.result;
    const pendingAtKill = submitted.length;
    expect(readLines<{ batches: { staged?: boolean }[] }>(journal)[0]!.batches.filter((batch) => !batch.staged)).toHaveLength(1);

    const second = await runCli(args);
    // It says it took over the killed run's lock, and nothing else.
    expect(second.stderr).not.toMatch(/error/i);
    expect(second.code).toBe(0);
    expect(readLines(join(taskDir(out), 'final_data.jsonl'))).toHaveLength(8);
    // The second run sent only what the first had not: no custom_id twice, and the adopted batch's answers were used.
    expect(new Set(submitted).size).toBe(submitted.length);
    expect(pendingAtKill).toBeGreaterThanOrEqual(8);
    expect(submitted.length).toBe(pendingAtKill);
    expect(readLines(join(taskDir(out), 'pending_batches.json'))).toEqual([{ batches: [] }]);
  });

  it('a run killed after the provider made its batch but before it heard the id, run again, finds the batch from its upload: each custom_id reaches the server once', async () => {
    const submitted: string[] = [];
    let first: ReturnType<typeof startCli> | undefined;
    // The kill lands as the server makes the first batch, before its answer is written: the run never hears the id.
    const server = await startServer({
      batches: {
        completeAfterMs: 500,
        onSubmit: (_id, customIds) => {
          submitted.push(...customIds);
          first?.child.kill('SIGKILL');
        },
      },
    });
    const dir = tempDir();
    const out = join(dir, 'out');
    const args = ['run', '--task-paths', 'samples/geography-qa', '--config-path', configFor(dir, server), '--output-dir', out, '--num-outputs-to-generate', '8', '--seed', '7', '--batch'];
    first = startCli(args);
    await first.result;
    const madeAtKill = submitted.length;
    expect(madeAtKill).toBeGreaterThanOrEqual(8);
    const [staged] = readLines<{ batches: { id: string; staged?: boolean; upload?: string }[] }>(join(taskDir(out), 'pending_batches.json'))[0]!.batches;
    expect(staged).toMatchObject({ id: expect.stringMatching(/^staged:file-\d+$/), staged: true, upload: expect.stringMatching(/^file-\d+$/) });

    first = undefined;
    const second = await runCli(args);
    expect(second.stderr).not.toMatch(/error/i);
    expect(second.code).toBe(0);
    expect(readLines(join(taskDir(out), 'final_data.jsonl'))).toHaveLength(8);
    // Found by its input file among the server's batches (a list read), and waited for: nothing was made twice.
    expect(server.requests.some((request) => request.path === '/v1/batches' && request.body === undefined)).toBe(true);
    expect(new Set(submitted).size).toBe(submitted.length);
    expect(submitted.length).toBe(madeAtKill);
    expect(readLines(join(taskDir(out), 'pending_batches.json'))).toEqual([{ batches: [] }]);
  });

  it('a batch whose input file the provider rejects fails the run with exit 1, naming the batch and the provider\'s message', async () => {
    const { server } = await batchServer({ rejectFile: () => 'Line 1: invalid model test-model.' });
    const dir = tempDir();
    const out = join(dir, 'out');
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', configFor(dir, server, { batch: true }), '--output-dir', out, '--num-outputs-to-generate', '4']);
    expect(result.code).toBe(1);
    expect(`${result.stdout}${result.stderr}`).toMatch(/batch batch_\d+ was rejected by the provider: invalid_request: Line 1: invalid model test-model\./);
    const [taskResult] = readLines<TaskResult>(join(taskDir(out), 'task_results.jsonl'));
    expect(taskResult).toMatchObject({ status: 'errored' });
  });

  it('`batch: true` on an engine type without a batch API is exit 2 naming the field', async () => {
    const dir = tempDir();
    const config = writeBlockConfig(dir, { [geography]: { name: 'generator', type: 'ollama', model_id_or_path: 'm', batch: true } });
    const result = await runCli(['run', '--task-paths', 'samples/geography-qa', '--config-path', config, '--output-dir', join(dir, 'out')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/batch.*`ollama` has no batch API/);
  });
});
