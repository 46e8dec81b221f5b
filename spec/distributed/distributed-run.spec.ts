import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { monitorSnapshot } from '../../lib/monitor/monitor-snapshot.ts';
import { readRunFolder } from '../../lib/monitor/read-run-folder.ts';
import { type TestServer, startTestServer } from '../../lib/testing/test-server.ts';
import { geographySeeds } from '../bench/common.ts';
import { runCli, startCli } from '../cli/run-cli.ts';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { waitFor } from '../helpers/wait-for.ts';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A geography task in `dir/task` whose generator is an `openai` block on `baseURL`; returns its paths relative to `dir`. */
function writeTask(dir: string, baseURL: string, options: { readonly description?: string; readonly callLimit?: number } = {}): { task: string; config: string } {
  mkdirSync(join(dir, 'task'), { recursive: true });
  const task = { task_name: 'geo', task_description: options.description ?? 'distributed', data_builder: 'public/examples/geography_qa', seed_examples: geographySeeds };
  writeFileSync(join(dir, 'task', 'task.yaml'), stringify(task));
  const block = { name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', api_key: 'k', call_limit: options.callLimit ?? 8 };
  writeFileSync(join(dir, 'task', 'config.yaml'), stringify({ databuilders: { 'public/examples/geography_qa': { blocks: [block] } } }));
  return { task: 'task', config: join('task', 'config.yaml') };
}

interface Result {
  readonly status: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly workers?: Readonly<Record<string, { readonly inputs: number; readonly records: number; readonly rejected: number }>>;
}

function lastResult(out: string): Result {
  return JSON.parse(readFileSync(join(out, 'geo', 'task_results.jsonl'), 'utf8').trim().split('\n').at(-1) as string) as Result;
}

function records(out: string): { readonly rxdgt_id: string }[] {
  return readFileSync(join(out, 'geo', 'data.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { rxdgt_id: string });
}

/** Starts `rxdgt worker` in `cwd` (a job lock of 2 s); resolves once it says it waits for jobs. */
async function startWorker(cwd: string, url: string, extra: readonly string[] = []) {
  const worker = startCli(['worker', '--queue', url, '--lock-duration', '2', ...extra], {}, { cwd });
  let stderr = '';
  worker.child.stderr!.on('data', (chunk: Buffer | string) => (stderr += String(chunk)));
  await waitFor(() => stderr.includes('waits for jobs') || worker.child.exitCode !== null);
  if (worker.child.exitCode !== null) throw new Error(`the worker exited: ${stderr}`);
  return { ...worker, stderr: () => stderr };
}

describe.skipIf(!redisAvailable)('rxdgt run --queue with rxdgt worker processes', () => {
  const redisUrl = useRedisServer();

  it('spreads the inputs over two workers: exact target, one record per input id, every worker in task_results', async () => {
    const server = await startTestServer({ latencyMs: 20 });
    servers.push(server);
    const dir = tempDir('rxdgt-distributed-');
    const { task, config } = writeTask(dir, server.baseURL);
    const workers = [await startWorker(dir, redisUrl()), await startWorker(dir, redisUrl())];
    const run = await runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', 'out', '--num-outputs-to-generate', '60', '--queue', redisUrl(), '--quiet'], {}, { cwd: dir });
    expect(run.stderr).toContain('2 worker(s) listen');
    expect(run.code).toBe(0);
    const made = records(join(dir, 'out'));
    expect(made).toHaveLength(60);
    expect(new Set(made.map((record) => record.rxdgt_id)).size).toBe(60);
    const result = lastResult(join(dir, 'out'));
    expect(result.status).toBe('completed');
    const tallies = Object.values(result.workers ?? {});
    // Both workers took inputs, and their tallies add up to what the ledger settled.
    expect(tallies).toHaveLength(2);
    expect(tallies.reduce((sum, tally) => sum + tally.records, 0)).toBe(60);
    expect(result.metrics['lm_calls']).toBe(server.requests.length);
    // The monitor, reading the finished run from its folder, shows both workers.
    const monitored = monitorSnapshot(await readRunFolder(join(dir, 'out')), Date.now()).tasks[0]!;
    expect(monitored.workers.map((worker) => worker.records).reduce((sum, count) => sum + count, 0)).toBe(60);
    expect(monitored.workers).toHaveLength(2);
    for (const worker of workers) worker.child.kill('SIGTERM');
    const ended = await Promise.all(workers.map((worker) => worker.result));
    expect(ended.map((end) => end.code)).toEqual([0, 0]);
  });

  it('a worker killed with SIGKILL mid-run has its inputs run by another: nothing lost, nothing twice', async () => {
    const server = await startTestServer({ latencyMs: 150 });
    servers.push(server);
    const dir = tempDir('rxdgt-distributed-kill-');
    const { task, config } = writeTask(dir, server.baseURL, { callLimit: 16 });
    const doomed = await startWorker(dir, redisUrl(), ['--concurrency', '8']);
    const survivor = await startWorker(dir, redisUrl(), ['--concurrency', '8']);
    const run = startCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', 'out', '--num-outputs-to-generate', '80', '--queue', redisUrl(), '--quiet'], {}, { cwd: dir });
    await waitFor(() => server.requests.length >= 20);
    doomed.child.kill('SIGKILL');
    const ended = await run.result;
    expect(ended.code).toBe(0);
    const made = records(join(dir, 'out'));
    expect(made).toHaveLength(80);
    expect(new Set(made.map((record) => record.rxdgt_id)).size).toBe(80);
    // The survivor settled what the dead worker held; the dead one only what it returned before it died.
    const tallies = lastResult(join(dir, 'out')).workers ?? {};
    expect(Object.keys(tallies)).toHaveLength(2);
    expect(Object.values(tallies).reduce((sum, tally) => sum + tally.records, 0)).toBe(80);
    survivor.child.kill('SIGTERM');
    await survivor.result;
  });

  it('dedupe state is shared: a question one worker kept is a duplicate on the other, and records of an earlier run are too', async () => {
    // Each question twice in a row (two inputs in flight at once, likely on two workers), then the first run's again,
    // then the rest: ten questions in all, whichever worker asks.
    const places = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 0, 1, 2, 6, 6, 7, 7, 3, 8, 8, 9, 9];
    const server = await startTestServer({ latencyMs: 10, respond: (_request, index) => `Question: What is the capital of place ${places[index] ?? index % 10}?\nAnswer: Town.` });
    servers.push(server);
    const dir = tempDir('rxdgt-distributed-dedupe-');
    const { task, config } = writeTask(dir, server.baseURL);
    const workers = [await startWorker(dir, redisUrl()), await startWorker(dir, redisUrl())];
    const run = (target: number) =>
      runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', 'out', '--num-outputs-to-generate', String(target), '--queue', redisUrl(), '--quiet'], {}, { cwd: dir });
    expect((await run(6)).code).toBe(0);
    const first = records(join(dir, 'out')) as unknown as { question: string }[];
    expect(first).toHaveLength(6);
    // A resume: the six records go through a worker's builder first; the new ones are none of them.
    expect((await run(10)).code).toBe(0);
    const questions = (records(join(dir, 'out')) as unknown as { question: string }[]).map((record) => record.question);
    expect(questions).toHaveLength(10);
    expect(new Set(questions).size).toBe(10);
    const rejections = readFileSync(join(dir, 'out', 'geo', 'blocks', 'dedup.jsonl'), 'utf8').trim().split('\n');
    expect(rejections.length).toBeGreaterThan(0);
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.result));
  });

  it("a block's call_limit holds over all workers together: two workers of 16 inputs each, call_limit 3", async () => {
    const server = await startTestServer({ latencyMs: 60 });
    servers.push(server);
    const dir = tempDir('rxdgt-distributed-limits-');
    const { task, config } = writeTask(dir, server.baseURL, { callLimit: 3 });
    const workers = [await startWorker(dir, redisUrl(), ['--concurrency', '16']), await startWorker(dir, redisUrl(), ['--concurrency', '16'])];
    const run = await runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', 'out', '--num-outputs-to-generate', '30', '--queue', redisUrl(), '--quiet'], {}, { cwd: dir });
    expect(run.code).toBe(0);
    expect(records(join(dir, 'out'))).toHaveLength(30);
    // Each worker alone would send up to 3 at once (6 together): the shared cap keeps the pair at 3.
    expect(server.counters.maxInFlight).toBe(3);
    expect(Object.keys(lastResult(join(dir, 'out')).workers ?? {})).toHaveLength(2);
    for (const worker of workers) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.result));
  });

  it("a worker whose task files differ from the coordinator's refuses the job; the run fails naming why", async () => {
    const server = await startTestServer({ latencyMs: 5 });
    servers.push(server);
    const coordinatorDir = tempDir('rxdgt-distributed-coordinator-');
    const workerDir = tempDir('rxdgt-distributed-worker-');
    const { task, config } = writeTask(coordinatorDir, server.baseURL);
    writeTask(workerDir, server.baseURL, { description: 'edited on the worker' });
    const worker = await startWorker(workerDir, redisUrl());
    const run = await runCli(['run', '--task-paths', task, '--config-path', config, '--output-dir', 'out', '--num-outputs-to-generate', '10', '--queue', redisUrl(), '--quiet'], {}, { cwd: coordinatorDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/loads task `geo` differently from the coordinator: its task or builder files differ/);
    expect(worker.stderr()).toMatch(/refused job .*differently/);
    expect(server.requests).toHaveLength(0);
    worker.child.kill('SIGTERM');
    await worker.result;
  });

  it('a task whose builder compares every record with every other (magpie_distance) is set aside on a queue, naming the block', async () => {
    const run = await runCli(['run', '--task-paths', 'samples/magpie', '--output-dir', tempDir('rxdgt-distributed-magpie-'), '--queue', redisUrl()], { RXDGT_EMBEDDINGS_URL: 'http://127.0.0.1:9/v1' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/block `dedup` \(magpie_distance\) needs every record of the task at once: it cannot run on the workers of a --queue run/);
  });

  it('an unreachable Redis: exit 1 naming the URL without its password; nothing written', async () => {
    const dir = tempDir('rxdgt-distributed-unreachable-');
    const { task } = writeTask(dir, 'http://127.0.0.1:9');
    const url = redisUrl().replace(/:\d+$/, ':9').replace('redis://', 'redis://user:hunter2@');
    const run = await runCli(['run', '--task-paths', task, '--output-dir', 'out', '--queue', url], {}, { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Redis at redis://***@127.0.0.1:9 is unreachable: connect ECONNREFUSED');
    expect(run.stderr + run.stdout).not.toContain('hunter2');
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const worker = await runCli(['worker', '--queue', url]);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain('rxdgt: worker: Redis at redis://***@127.0.0.1:9 is unreachable');
  });
});

describe('rxdgt worker and --queue arguments', () => {
  it('refuses a missing or non-Redis queue URL, and --batch with --queue (exit 2)', async () => {
    const missing = await runCli(['worker']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('`worker` needs the Redis');
    const http = await runCli(['worker', '--queue', 'http://127.0.0.1:6379']);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('--queue must be a redis:// or rediss:// URL');
    const batch = await runCli(['run', '--task-paths', 'samples/geography-qa', '--batch', '--queue', 'redis://127.0.0.1:6379']);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toContain('`--batch` and `--queue` do not go together');
    // Workers resolve the run's files under their own folder: an absolute path cannot be one of them.
    const absolute = await runCli(['run', '--task-paths', '/etc/rxdgt-tasks', '--queue', 'redis://127.0.0.1:9']);
    expect(absolute.code).toBe(2);
    expect(absolute.stderr).toContain("`--task-paths /etc/rxdgt-tasks` is not a path inside the run's folder");
  });
});
