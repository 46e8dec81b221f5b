/**
 * How close `rxdgt preview`'s estimate comes to the run it estimates: the built CLI (`node dist/cli.mjs`), whole
 * process, on the geography sample asked for 1,000 records, against the test server in another process
 * (`test-server-process.ts`, 50 ms latency). For each `--limit`, the preview's estimated LM calls, tokens and wall
 * time against what the real run did (its `task_results.jsonl` and the process's wall time), as estimated / actual.
 * The wall time preview prints is calls × the sample's mean model latency / `call_limit`, said to be a lower bound: a
 * small sample's calls all go out in the first, cold wave (new connections, code not yet optimised), slower than the
 * run's steady state, so its ratio can exceed 1; the run's own overhead (prompt building, the ledger, outputs, process
 * start) pulls the other way. Nothing is asserted.
 * Standalone: `npx tsx spec/bench/preview-accuracy.bench.ts`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { repoRoot, startChildServer } from './child-server.ts';
import { num, scratchDir } from './common.ts';

const latencyMs = 50;
const records = Number(process.env['BENCH_PREVIEW_RECORDS'] ?? 1000);
const limits = [5, 20, 50] as const;
const task = 'samples/geography-qa';

/** Variables that would point the engines elsewhere: the CLI gets only the joint config's endpoint. */
const isolated = ['OPENAI_BASE_URL', 'OPENAI_API_KEY', 'OLLAMA_HOST', 'DGT_OUTPUT_DIR', 'DGT_CACHE_DIR', 'DGT_DATA_DIR'];

/** Runs the built CLI to its end; the wall time is the whole process's. */
function cli(args: readonly string[]): Promise<{ code: number | null; seconds: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of isolated) delete env[name];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.mjs'), ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, seconds: (performance.now() - started) / 1000, stdout, stderr }));
  });
}

/** The figure of estimate line `label` (`    LM calls           1,000`), as a number. */
function estimated(stdout: string, label: string): number {
  const value = new RegExp(`^ {4}${label} +([\\d,]+)`, 'm').exec(stdout)?.[1];
  if (value === undefined) throw new Error(`preview printed no "${label}" estimate:\n${stdout}`);
  return Number(value.replaceAll(',', ''));
}

/** The wall time preview printed (`at least 3m 20s (...)`), in seconds. */
function estimatedSeconds(stdout: string): number {
  const text = /^ {4}wall time +at least (\S+(?: \S+)?) \(/m.exec(stdout)?.[1];
  if (text === undefined) throw new Error(`preview printed no wall time:\n${stdout}`);
  const [, hours, minutes, seconds] = /^(?:(\d+)h )?(?:(\d+)m ?)?(?:([\d.]+)s)?$/.exec(text.replace(/^(\d+)h (\d+)m$/, '$1h $2m ')) ?? [];
  return Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
}

const ratio = (estimate: number, actual: number): string => (actual === 0 ? '-' : `${num(estimate / actual)}x`);

export async function benchPreviewAccuracy(): Promise<string[]> {
  const build = spawnSync('npm', ['run', 'build'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const server = await startChildServer<unknown>('test-server-process.ts', { LATENCY_MS: String(latencyMs) });
  const scratch = await scratchDir('preview-accuracy');
  try {
    const config = join(scratch.path, 'config.yaml');
    const block = { name: 'generator', type: 'openai', base_url: server.baseURL, model_id_or_path: 'test-model', api_key: 'k' };
    writeFileSync(config, stringify({ databuilders: { 'public/examples/geography_qa': { blocks: [block] } } }));
    const common = ['--task-paths', task, '--config-path', config, '--num-outputs-to-generate', String(records), '--seed', '1'];

    const out = join(scratch.path, 'out');
    const run = await cli(['run', ...common, '--output-dir', out]);
    if (run.code !== 0) throw new Error(`the run exited ${run.code}: ${run.stderr}`);
    const result = JSON.parse(readFileSync(join(out, 'samples', 'geography_qa', 'task_results.jsonl'), 'utf8').trim().split('\n').at(-1)!) as {
      start_time: string;
      end_time: string;
      metrics: Record<string, number>;
    };
    const { metrics } = result;
    const actual = {
      calls: metrics['lm_calls']! + metrics['lm_calls_cached']!,
      cached: metrics['lm_calls_cached']!,
      promptTokens: metrics['prompt_tokens']!,
      completionTokens: metrics['completion_tokens']!,
      taskSeconds: (Date.parse(result.end_time) - Date.parse(result.start_time)) / 1000,
    };
    const lines = [
      `  the built CLI, whole process, --seed 1, ${records} records asked; test server in another process, ${latencyMs} ms latency`,
      `  the run: ${metrics['Number of data produced']} records, ${actual.calls} LM calls (${actual.cached} from a cache), ${actual.promptTokens} prompt + ${actual.completionTokens} completion tokens, ` +
        `${num(run.seconds)} s wall (process), ${num(actual.taskSeconds)} s (the task's own)`,
    ];
    for (const limit of limits) {
      const preview = await cli(['preview', ...common, '--limit', String(limit)]);
      if (preview.code !== 0) throw new Error(`preview --limit ${limit} exited ${preview.code}: ${preview.stderr}`);
      const calls = estimated(preview.stdout, 'LM calls');
      const promptTokens = estimated(preview.stdout, 'prompt tokens');
      const completionTokens = estimated(preview.stdout, 'completion tokens');
      const seconds = estimatedSeconds(preview.stdout);
      lines.push(
        `  preview --limit ${limit} (${num(preview.seconds)} s): LM calls ${calls} = ${ratio(calls, actual.calls)}; prompt tokens ${promptTokens} = ${ratio(promptTokens, actual.promptTokens)}; ` +
          `completion tokens ${completionTokens} = ${ratio(completionTokens, actual.completionTokens)}; wall time at least ${num(seconds)} s = ${ratio(seconds, run.seconds)} of the process's, ` +
          `${ratio(seconds, actual.taskSeconds)} of the task's (estimated / actual)`,
      );
    }
    return lines;
  } finally {
    await server.close();
    await scratch.remove();
  }
}

// Standalone: `npx tsx spec/bench/preview-accuracy.bench.ts`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const line of await benchPreviewAccuracy()) process.stdout.write(`${line}\n`);
}
