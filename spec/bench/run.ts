/**
 * `npm run bench`: runs every benchmark in turn and prints its figures. Nothing here asserts a timing;
 * the exit code is 1 only when a benchmark throws. `npm run bench -- saturation` runs the benchmarks
 * whose name contains one of the arguments.
 */
import { arch, cpus, loadavg, platform, release } from 'node:os';
import { benchCache } from './cache.bench.ts';
import { benchCacheRerun } from './cache-rerun.bench.ts';
import { benchDedupe } from './dedupe.bench.ts';
import { benchFrameworkOverhead } from './framework-overhead.bench.ts';
import { benchMemory } from './memory.bench.ts';
import { benchStores } from './stores.bench.ts';
import { benchRateLimit } from './rate-limit.bench.ts';
import { benchSaturation } from './saturation.bench.ts';

interface Benchmark {
  readonly name: string;
  readonly title: string;
  readonly run: () => Promise<string[]>;
}

const benchmarks: readonly Benchmark[] = [
  { name: 'framework-overhead', title: 'framework overhead (geography QA, instant fake model)', run: benchFrameworkOverhead },
  { name: 'saturation', title: 'saturation (geography QA over HTTP vs a hand-written loop)', run: benchSaturation },
  { name: 'cli-saturation', title: 'saturation and learned rate limits through the built CLI, whole process, against a server in another process, vs a hand-written loop', run: async () => (await import('./cli-saturation.bench.ts')).benchCliSaturation() },
  { name: 'rate-limit', title: 'rate limits (geography QA against a 600 requests/min endpoint, to 300 records)', run: benchRateLimit },
  { name: 'cache-rerun', title: 'cache rerun (a finished 1,000-record run again, lm_cache on SQLite)', run: benchCacheRerun },
  { name: 'cache-micro', title: 'lm_cache micro-benchmark (key, set, get per call)', run: benchCache },
  { name: 'dedupe', title: 'dedupe (SimilarityIndex vs brute force)', run: benchDedupe },
  { name: 'dedupe-scale', title: 'dedupe at scale: dedup/minhash over 1M texts (recall, false drops), Rouge-L index vs brute force at 10k and the index at 100k', run: async () => (await import('./dedupe-scale.bench.ts')).benchDedupeScale() },
  { name: 'validators', title: 'syntax validators: µs per record of each validators/* check, against JSON.parse', run: async () => (await import('./validators.bench.ts')).benchValidators() },
  { name: 'embedding-dedupe', title: 'dedup/embedding over 100k texts against the test server in another process, against exact dedupe', run: async () => (await import('./embedding-dedupe.bench.ts')).benchEmbeddingDedupe() },
  { name: 'stores', title: 'datastores: records/s of the SQLite ledger and of CSV, Parquet, SQLite output files, against JSONL', run: benchStores },
  { name: 'builders', title: "DGT's builders: the built CLI on each sample against the test server (50 ms) in another process, against geography QA", run: async () => (await import('./builders.bench.ts')).benchBuilders() },
  { name: 'preview-accuracy', title: "preview's estimate vs the real run (geography, 1,000 records, built CLI, test server in another process)", run: async () => (await import('./preview-accuracy.bench.ts')).benchPreviewAccuracy() },
  { name: 'telemetry-overhead', title: "telemetry overhead: the built CLI, simulated engine, 20,000 records, DGT's events.jsonl and traces.jsonl on against DGT_TELEMETRY_DISABLE=1, and --debug --log-format json", run: async () => (await import('./telemetry-overhead.bench.ts')).benchTelemetryOverhead() },
  { name: 'framework-cpu', title: 'framework CPU per record: the built CLI, simulated engine, exact dedupe, 100k and 1M records, against a hand-written loop', run: async () => (await import('./framework-cpu.bench.ts')).benchFrameworkCpu() },
  { name: 'gc-after-full', title: 'young collections after a full GC: the built CLI, simulated engine, 300k records, one full GC forced 1.5 s in, scavenge pauses after it against before it', run: async () => (await import('./gc-after-full.bench.ts')).benchGcAfterFull() },
  { name: 'memory', title: 'memory: the built CLI, simulated engine, 100k and 1M records (peak RSS), and a resume of the finished 1M task', run: benchMemory },
  { name: 'batch-api', title: 'provider batch jobs: 1,000 geography records through the built CLI, --batch vs direct calls, and a restart mid-batch', run: async () => (await import('./batch-api.bench.ts')).benchBatchApi() },
  { name: 'monitor', title: 'monitor page: load time and update latency in headless Chromium, against an empty page and a DevTools round trip', run: async () => (await import('./monitor.bench.ts')).benchMonitor() },
  { name: 'workers', title: 'distributed runs: the built CLI, rxdgt run --queue with 1, 2 and 4 rxdgt worker processes on a Redis of its own, a shared rpm, and a worker killed mid-run', run: async () => (await import('./workers.bench.ts')).benchWorkers() },
];

const load = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');

const filters = process.argv.slice(2);
const selected = filters.length === 0 ? benchmarks : benchmarks.filter((bench) => filters.some((filter) => bench.name.includes(filter)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; known: ${benchmarks.map((bench) => bench.name).join(', ')}`);
  process.exit(2);
}

const processors = cpus();
console.log(
  `machine: ${processors.length} CPUs (${processors[0]?.model.trim() ?? 'unknown model'}), Node ${process.version}, ` +
    `${platform()} ${release()} ${arch()}; load average ${load()} (1/5/15 min: other work on the machine skews the figures)`,
);

let failed = 0;
const started = performance.now();
for (const bench of selected) {
  console.log(`\n== ${bench.title} ==`);
  const start = performance.now();
  try {
    for (const line of await bench.run()) console.log(line);
  } catch (error) {
    failed += 1;
    console.log(`  FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  console.log(`  (${((performance.now() - start) / 1000).toFixed(1)} s; load average now ${load()})`);
}
console.log(`\n${selected.length - failed}/${selected.length} benchmarks ran in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failed > 0 ? 1 : 0;
