/**
 * Cache rerun: a finished 1,000-record geography QA run with `lm_cache` (`openSqliteCache`) and temperature 0,
 * run again. Each run gets a fresh process's worth of state: a new engine (empty in-memory cache), the SQLite
 * file reopened (empty LRU in front of it), fresh seeded PRNGs with the same seeds. The server, in a child
 * process with 20 ms latency, counts the LM calls that reached it.
 *
 * The cache is what answers a rerun that starts over (`restart: true`), and only when its prompts repeat
 * exactly: the task has a `seed`, so every draw (seed batches, the machine-made records mixed in, the builder's
 * in-context examples) is a function of the seed and the input id, whatever the timing. Two ways of drawing
 * inputs: the builder as shipped, whose batches mix in machine-made records, and seed examples only. A resumed
 * rerun (the default) is printed too: it makes no call for the records already on disk, whatever the cache holds.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { count, lastValueFrom } from 'rxjs';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { openSqliteCache } from '../../lib/model/sqlite-cache.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { createTask } from '../../lib/run/task.ts';
import type { TestServerCounters } from '../../lib/testing/test-server.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { startChildServer } from './child-server.ts';
import { geographySeeds, num, scratchDir } from './common.ts';

const latencyMs = 20;
const callLimit = 64;
const records = Number(process.env['BENCH_CACHE_RECORDS'] ?? 1_000);
const largerRecords = records + records / 2;

interface ServerStats {
  readonly cpuMs: number;
  readonly counters: TestServerCounters;
}

/** How the task draws its inputs: DGT's default mixes up to 10 machine-made records into each batch. */
interface Variant {
  readonly label: string;
  readonly machineBatchSize?: number;
  readonly examplesPerPrompt?: number;
  /** Whether to print a resumed rerun to the larger target. */
  readonly resumeLarger: boolean;
}

const variants: readonly Variant[] = [
  { label: 'geographyQa as shipped (machine_batch_size 10, 3 examples per prompt)', resumeLarger: true },
  // 5 examples: with 3 of 10 seeds there are only 1,000 prompts, and at temperature 0 a repeated prompt is a duplicate.
  { label: 'seed examples only (machine_batch_size 0, 5 examples per prompt)', machineBatchSize: 0, examplesPerPrompt: 5, resumeLarger: true },
];

interface RunFigures {
  readonly emitted: number;
  /** Generation requests the server received. */
  readonly calls: number;
  readonly wallMs: number;
  readonly cacheHits: number;
  readonly result: TaskResult | undefined;
}

type Run = (target: number, restart: boolean) => Promise<RunFigures>;

/** A runner of one variant over one output folder and one cache file, each run with fresh state. */
function runner(baseURL: string, ask: (command: 'stats' | 'reset') => Promise<ServerStats>, dir: string, variant: Variant): Run {
  const cachePath = join(dir, 'cache.sqlite');
  return async (target, restart) => {
    const cache = openSqliteCache(cachePath);
    try {
      const model = createOpenAI({ baseURL, modelId: 'test-model', apiKey: 'bench-cache-rerun' });
      const generator = createEngine(model, { callLimit, params: { temperature: 0 }, diskCache: cache });
      const builder = geographyQa({
        generator,
        ...(variant.examplesPerPrompt === undefined ? {} : { examplesPerPrompt: variant.examplesPerPrompt }),
      });
      const task = createTask({
        kind: 'generation',
        name: 'geo',
        seeds: geographySeeds,
        builder,
        numOutputsToGenerate: target,
        concurrency: callLimit,
        outputDir: dir,
        restart,
        seed: 7,
        ...(variant.machineBatchSize === undefined ? {} : { machineBatchSize: variant.machineBatchSize }),
      });
      let result: TaskResult | undefined;
      await ask('reset');
      const start = performance.now();
      const emitted = await lastValueFrom(task.run({ onEnd: (ended) => (result = ended) }).pipe(count()));
      const wallMs = performance.now() - start;
      const { counters } = await ask('stats');
      return { emitted, calls: counters.requests, wallMs, cacheHits: generator.stats.cacheHits, result };
    } finally {
      cache.close();
    }
  };
}

function line(label: string, run: RunFigures, target: number): string {
  const status = run.result ? `${run.result.status}${run.result.reason === 'complete' ? '' : ` (${run.result.reason})`}` : 'no result';
  const made = Number(run.result?.metrics?.['Number of data produced'] ?? run.emitted);
  const short = made < target ? `; WARNING: ${made} of ${target} records` : '';
  return (
    `    ${label}: ${run.calls.toLocaleString('en-US')} LM calls, ${run.cacheHits.toLocaleString('en-US')} cache hits, ${num(run.wallMs / 1000)} s; ` +
    `${run.emitted} new records, ${made} in all, task ${status}${short}`
  );
}

async function benchVariant(baseURL: string, ask: (command: 'stats' | 'reset') => Promise<ServerStats>, variant: Variant): Promise<string[]> {
  const dir = await scratchDir('cache-rerun');
  const copy = await scratchDir('cache-rerun-resume');
  try {
    const run = runner(baseURL, ask, dir.path, variant);
    const first = await run(records, true);
    // The resumed reruns work on a copy of the finished run (records, seed position, cache), so the restarted ones start from the same state.
    await cp(dir.path, copy.path, { recursive: true });
    const resume = runner(baseURL, ask, copy.path, variant);
    const resumed = await resume(records, false);
    const resumedLarger = variant.resumeLarger ? await resume(largerRecords, false) : undefined;
    const rerun = await run(records, true);
    const larger = await run(largerRecords, true);
    return [
      `  ${variant.label}:`,
      line(`first run to ${num(records)}`, first, records),
      line(`rerun to ${num(records)}, restart: true`, rerun, records),
      line(`rerun to ${num(largerRecords)}, restart: true`, larger, largerRecords),
      line(`rerun to ${num(records)}, resumed (no restart: the records are on disk)`, resumed, records),
      ...(resumedLarger ? [line(`rerun to ${num(largerRecords)}, resumed`, resumedLarger, largerRecords)] : []),
    ];
  } finally {
    await dir.remove();
    await copy.remove();
  }
}

/** LM calls and wall time of a first run and of reruns over the same `lm_cache`. */
export async function benchCacheRerun(): Promise<string[]> {
  const server = await startChildServer<ServerStats>('test-server-process.ts', { LATENCY_MS: String(latencyMs), ANSWERS: 'by-prompt' });
  try {
    const lines = [
      `test server (child process) answering as a deterministic model (the same prompt, the same pair), ${latencyMs} ms latency; call limit ${callLimit}; temperature 0; lm_cache: openSqliteCache(<tmp>/cache.sqlite), ` +
        `reopened for each run with a new engine; the task seeded (--seed 7) every run`,
    ];
    for (const variant of variants) lines.push(...(await benchVariant(server.baseURL, server.ask, variant)));
    return lines;
  } finally {
    await server.close();
  }
}
