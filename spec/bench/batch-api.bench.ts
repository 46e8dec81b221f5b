/**
 * Provider batch jobs through the built CLI (`node dist/cli.mjs`): 1,000 geography records against the test server
 * in another process, `--batch` (its OpenAI batch routes) against the same run without (direct calls, 50 ms each,
 * `call_limit` 64), as ratios of wall time, the CLI's CPU time and the requests the server saw. Then two restarts:
 * a `--batch` run killed once its batch is pending in the task's journal, and one killed as the provider makes its
 * batch (the server holding its answer, so only the upload is journaled), each run again: the custom ids the server
 * received across both runs, and how many were distinct (the server completes a batch 3 s after it was made).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { TestServerCounters } from '../../lib/testing/test-server.ts';
import { repoRoot, startChildServer } from './child-server.ts';
import { num, scratchDir } from './common.ts';

const records = Number(process.env['BENCH_BATCH_RECORDS'] ?? 1000);
const task = 'samples/geography-qa';
const isolated = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OLLAMA_HOST', 'DGT_OUTPUT_DIR', 'DGT_CACHE_DIR', 'DGT_DATA_DIR'];

interface ServerStats {
  readonly cpuMs: number;
  readonly counters: TestServerCounters;
  readonly batches: number;
  readonly submitted: number;
  readonly distinct: number;
}

interface CliRun {
  readonly code: number | null;
  readonly seconds: number;
  readonly cpuMs: number;
  readonly stderr: string;
}

/** Starts the built CLI with its CPU time reported at exit (`report-peak-rss.mjs`). */
function startCli(args: readonly string[], usageFile: string): { child: ChildProcess; done: Promise<CliRun> } {
  const env: Record<string, string | undefined> = { ...process.env, RXDGT_BENCH_USAGE: usageFile };
  for (const name of isolated) delete env[name];
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', join(repoRoot, 'spec', 'bench', 'report-peak-rss.mjs'), join(repoRoot, 'dist', 'cli.mjs'), ...args], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const usage = existsSync(usageFile) ? (JSON.parse(readFileSync(usageFile, 'utf8')) as { userMs: number; systemMs: number }) : { userMs: 0, systemMs: 0 };
      resolve({ code, seconds: (performance.now() - started) / 1000, cpuMs: usage.userMs + usage.systemMs, stderr });
    });
  });
  return { child, done };
}

export async function benchBatchApi(): Promise<string[]> {
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const scratch = await scratchDir('batch-api');
  const lines: string[] = [];
  try {
    const server = await startChildServer<ServerStats>('batch-server-process.ts', { LATENCY_MS: '50', COMPLETE_AFTER_MS: '0' });
    try {
      const runOnce = async (label: string, batch: boolean): Promise<{ run: CliRun; stats: ServerStats }> => {
        const config = join(scratch.path, `${label}.yaml`);
        const block = { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', api_key: 'k', call_limit: 64, batch_window: 0.5, batch_poll_interval: 0.5, batch_poll_max_interval: 2 };
        writeFileSync(config, stringify({ databuilders: { 'public/examples/geography_qa': { blocks: [block] } } }));
        await server.ask('reset');
        const args = ['run', '--task-paths', task, '--config-path', config, '--num-outputs-to-generate', String(records), '--seed', '1', '--output-dir', join(scratch.path, label), ...(batch ? ['--batch'] : [])];
        const run = await startCli(args, join(scratch.path, `${label}.usage.json`)).done;
        if (run.code !== 0) throw new Error(`the ${label} run exited ${run.code}: ${run.stderr}`);
        return { run, stats: await server.ask('stats') };
      };
      const direct = await runOnce('direct', false);
      const batched = await runOnce('batch', true);
      const requests = (stats: ServerStats): number => Object.values(stats.counters.byPath).reduce((sum, count) => sum + count, 0);
      lines.push(
        `  ${records} records, built CLI, --seed 1; test server in another process (direct calls 50 ms, batches complete at once), batch_window 0.5 s, polls from 0.5 s`,
        `  direct: ${num(direct.run.seconds)} s wall, ${num(direct.run.cpuMs, 0)} ms CPU, ${requests(direct.stats)} HTTP requests (${direct.stats.counters.requests} generation)`,
        `  --batch: ${num(batched.run.seconds)} s wall, ${num(batched.run.cpuMs, 0)} ms CPU, ${requests(batched.stats)} HTTP requests (${batched.stats.batches} batches of ${batched.stats.submitted} requests)`,
        `  --batch / direct: wall ${num(batched.run.seconds / direct.run.seconds)}x, CPU ${num(batched.run.cpuMs / direct.run.cpuMs)}x, HTTP requests ${num(requests(batched.stats) / requests(direct.stats), 3)}x`,
      );
    } finally {
      await server.close();
    }

    // Killed once the batch is pending in the task's journal; then killed as the provider makes it (its answer held
    // 3 s, so the run never hears the batch's id and only its upload is journaled, `staged`).
    lines.push(...(await restart(scratch.path, 'pending', {}, (batches) => batches.some((batch) => !batch.staged))));
    lines.push(...(await restart(scratch.path, 'creating', { CREATE_REPLY_DELAY_MS: '3000' }, (batches, made) => made > 0 && batches.some((batch) => batch.staged))));
  } finally {
    await scratch.remove();
  }
  return lines;
}

/**
 * A `--batch` run killed once `killWhen` holds (the journal's batches, the batches the server made), run again: the
 * custom ids the server received over both runs, and how many twice. The server completes a batch 3 s after it is made.
 */
async function restart(dir: string, label: string, env: Readonly<Record<string, string>>, killWhen: (batches: readonly { staged?: boolean }[], made: number) => boolean): Promise<string[]> {
  const server = await startChildServer<ServerStats>('batch-server-process.ts', { LATENCY_MS: '50', COMPLETE_AFTER_MS: '3000', ...env });
  try {
    const config = join(dir, `restart-${label}.yaml`);
    const block = { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', api_key: 'k', batch_window: 0.2, batch_poll_interval: 0.2, batch_poll_max_interval: 1 };
    writeFileSync(config, stringify({ databuilders: { 'public/examples/geography_qa': { blocks: [block] } } }));
    const out = join(dir, `restart-${label}`);
    const args = ['run', '--task-paths', task, '--config-path', config, '--num-outputs-to-generate', String(records), '--seed', '1', '--output-dir', out, '--batch'];
    const first = startCli(args, join(dir, `${label}-first.usage.json`));
    const journal = join(out, 'samples', 'geography_qa', 'pending_batches.json');
    const journaled = (): readonly { staged?: boolean }[] => (existsSync(journal) ? (JSON.parse(readFileSync(journal, 'utf8')) as { batches: { staged?: boolean }[] }).batches : []);
    while (!killWhen(journaled(), (await server.ask('stats')).batches)) await new Promise((resolve) => setTimeout(resolve, 20));
    first.child.kill('SIGKILL');
    await first.done;
    const atKill = await server.ask('stats');
    const staged = journaled().filter((batch) => batch.staged).length;
    const second = await startCli(args, join(dir, `${label}-second.usage.json`)).done;
    if (second.code !== 0) throw new Error(`the restarted run (${label}) exited ${second.code}: ${second.stderr}`);
    const after = await server.ask('stats');
    const made = readFileSync(join(out, 'samples', 'geography_qa', 'final_data.jsonl'), 'utf8').trim().split('\n').length;
    return [
      `  restart (${label}): killed with ${atKill.submitted} requests in ${atKill.batches} batch(es) the server made (${staged} journaled as staged); the rerun made ${made} records in ${num(second.seconds)} s`,
      `    custom ids the server received over both runs: ${after.submitted}, distinct ${after.distinct} (submitted twice: ${after.submitted - after.distinct}); batches ${after.batches}`,
    ];
  } finally {
    await server.close();
  }
}
