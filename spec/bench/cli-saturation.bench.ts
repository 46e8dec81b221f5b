/**
 * Saturation and learned rate limits as users run rxdgt: the built CLI (`node dist/cli.mjs run ...`), whole process,
 * the geography QA task (its builder's own blocks: the generator and exact dedupe) against a server in another
 * process. Expects `dist/cli.mjs` (`npm run build`); builds nothing. Prints figures only.
 *
 * 1. Saturation: `test-server-process.ts` answering after 50 ms, `call_limit: 64`, BENCH_CLI_RECORDS records (default
 *    10,000): calls/s over the whole process as a share of the bound (64 / 50 ms = 1,280/s) and as a ratio to a
 *    hand-written loop run the same way (`hand-written-loop.mjs`: the openai SDK, a limiter of 64, parse, a Set,
 *    `appendFile` per record), and each one's CPU per call. Two runs each, alternating.
 * 2. Learned limits: `rate-limited-server-process.ts` (600 requests/min as a bucket of 10 refilling 10/s, limits only
 *    in headers, 429 with `retry-after-ms`), 300 records, no `rpm` in the config: time over the bound (30 s) and the
 *    share of requests answered 429.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { TestServerCounters } from '../../lib/testing/test-server.ts';
import { repoRoot, startChildServer } from './child-server.ts';
import { geographySeeds, mean, num, range, scratchDir } from './common.ts';
import { type ProcessFigures, builtCli, runNodeProcess } from './node-process.ts';

const latencyMs = 50;
const callLimit = 64;
const records = Number(process.env['BENCH_CLI_RECORDS'] ?? 10_000);
const rounds = 2;
const bound = callLimit / (latencyMs / 1000);
const limitedRecords = 300;
const rpm = 600;

/** A geography task whose generator is an `openai` block on `baseURL`; returns the CLI's arguments. */
function geographyRun(dir: string, tag: string, baseURL: string, target: number, generator: Readonly<Record<string, unknown>> = {}): string[] {
  const taskDir = join(dir, `task-${tag}`);
  mkdirSync(taskDir, { recursive: true });
  writeFileSync(
    join(taskDir, 'task.yaml'),
    stringify({ task_name: 'geo', task_description: 'CLI saturation', data_builder: 'public/examples/geography_qa', seed_examples: geographySeeds }),
  );
  const config = join(taskDir, 'config.yaml');
  const block = { name: 'generator', type: 'openai', base_url: baseURL, model_id_or_path: 'test-model', api_key: 'k', call_limit: callLimit, ...generator };
  writeFileSync(config, stringify({ databuilders: { 'public/examples/geography_qa': { blocks: [block] } } }));
  return [builtCli(), 'run', '--task-paths', taskDir, '--config-path', config, '--output-dir', join(dir, `out-${tag}`), '--num-outputs-to-generate', String(target), '--restart'];
}

interface Measured extends ProcessFigures {
  readonly requests: number;
  /** The task's own span (task_results.jsonl start to end), without the process's start-up and exit; rxdgt runs only. */
  readonly taskSeconds?: number;
}

/** Seconds from the task's start to its end, as its `task_results.jsonl` says. */
function taskSeconds(out: string): number | undefined {
  try {
    const last = readFileSync(join(out, 'geo', 'task_results.jsonl'), 'utf8').trim().split('\n').at(-1);
    const result = JSON.parse(last ?? '{}') as { start_time?: string; end_time?: string };
    return (Date.parse(result.end_time ?? '') - Date.parse(result.start_time ?? '')) / 1000 || undefined;
  } catch {
    return undefined;
  }
}

export async function benchCliSaturation(): Promise<string[]> {
  const lines: string[] = [];
  const dir = await scratchDir('cli-saturation');
  const server = await startChildServer<{ cpuMs: number; counters: TestServerCounters }>('test-server-process.ts', { LATENCY_MS: String(latencyMs) });
  try {
    const template = join(repoRoot, 'builders', 'geography-qa', 'prompt_templates', 'prompt.txt');
    let run = 0;
    const measure = async (body: (tag: string) => Promise<ProcessFigures>): Promise<Measured> => {
      await server.ask('reset');
      const figures = await body(`r${(run += 1)}`);
      const { counters } = await server.ask('stats');
      return { ...figures, requests: counters.requests };
    };
    const rxdgt = async (target: number): Promise<Measured> => {
      let out = '';
      const figures = await measure((tag) => {
        out = join(dir.path, `out-${tag}`);
        return runNodeProcess(geographyRun(dir.path, tag, server.baseURL, target), { cwd: dir.path, usageFile: join(dir.path, `usage-${tag}.json`) });
      });
      const seconds = taskSeconds(out);
      return seconds === undefined ? figures : { ...figures, taskSeconds: seconds };
    };
    const loop = (target: number) =>
      measure((tag) =>
        runNodeProcess([join(repoRoot, 'spec', 'bench', 'hand-written-loop.mjs')], {
          cwd: repoRoot,
          usageFile: join(dir.path, `usage-${tag}.json`),
          env: { BASE_URL: server.baseURL, RECORDS: String(target), CALL_LIMIT: String(callLimit), OUT: join(dir.path, `loop-${tag}.jsonl`), TEMPLATE: template, SEEDS: JSON.stringify(geographySeeds) },
        }),
      );
    await rxdgt(500);
    await loop(500);
    const ours: Measured[] = [];
    const theirs: Measured[] = [];
    for (let round = 0; round < rounds; round += 1) {
      if (round % 2 === 0) ours.push(await rxdgt(records)), theirs.push(await loop(records));
      else theirs.push(await loop(records)), ours.push(await rxdgt(records));
    }
    const callsPerSecond = (figures: Measured) => figures.requests / figures.seconds;
    const cpuPerCall = (figures: Measured) => figures.cpuMs / figures.requests;
    const describe = (runs: readonly Measured[]) =>
      `${range(runs.map(callsPerSecond))} calls/s = ${range(runs.map((figures) => callsPerSecond(figures) / bound))} of the bound; ` +
      `CPU ${range(runs.map(cpuPerCall))} ms/call; peak RSS ${range(runs.map((figures) => figures.peakRss / 1024 / 1024), (value) => `${value.toFixed(0)} MiB`)}; ` +
      `${range(runs.map((figures) => figures.requests), (value) => num(value, 0))} requests in ${range(runs.map((figures) => figures.seconds))} s`;
    lines.push(
      `test server in another process, ${latencyMs} ms latency; call_limit ${callLimit}; ${num(records, 0)} records per run; whole processes, ` +
        `${rounds} runs each alternating after a 500-record warm-up; bound ${num(bound, 0)} calls/s`,
      `  rxdgt CLI (geography builder: generator + exact dedupe, telemetry on): ${describe(ours)}`,
      `  hand-written loop (openai SDK, limiter, Set, appendFile per record): ${describe(theirs)}`,
      `  rxdgt / loop: ${num(mean(ours.map(callsPerSecond)) / mean(theirs.map(callsPerSecond)))}x the calls/s at ${num(mean(ours.map(cpuPerCall)) / mean(theirs.map(cpuPerCall)))}x the CPU per call`,
      `  rxdgt over the task's own span (task_results.jsonl, without start-up and exit): ${range(ours.flatMap((figures) => (figures.taskSeconds === undefined ? [] : [figures.requests / figures.taskSeconds / bound])))} of the bound`,
    );
  } finally {
    await server.close();
  }

  const limited = await startChildServer<{ cpuMs: number; requests: number; answered: number; throttled: number }>('rate-limited-server-process.ts', {
    RPM: String(rpm),
    BURST: '10',
    LATENCY_MS: String(latencyMs),
  });
  try {
    await limited.ask('reset');
    const figures = await runNodeProcess(geographyRun(dir.path, 'limited', limited.baseURL, limitedRecords), { cwd: dir.path, usageFile: join(dir.path, 'usage-limited.json') });
    const stats = await limited.ask('stats');
    const kept = readFileSync(join(dir.path, 'out-limited', 'geo', 'final_data.jsonl'), 'utf8').split('\n').filter(Boolean).length;
    const boundSeconds = limitedRecords / (rpm / 60);
    lines.push(
      `learned limits: ${rpm} requests/min announced only in headers (bucket of 10 refilling 10/s, 429 with retry-after-ms), no rpm in the config, ${limitedRecords} records:`,
      `  ${num(figures.seconds)} s whole process = ${num(figures.seconds / boundSeconds)}x the ${num(boundSeconds, 0)} s bound; ${stats.requests} requests, ` +
        `${stats.throttled} answered 429 = ${num((100 * stats.throttled) / Math.max(1, stats.requests), 1)}%; ${kept} records kept`,
    );
  } finally {
    await limited.close();
    await dir.remove();
  }
  return lines;
}
