/**
 * What the run's telemetry costs as users run rxdgt: the built CLI (`node dist/cli.mjs run ...`), whole process,
 * `samples/geography-qa` on the offline `simulated` engine (it answers at once, so the per-record cost of telemetry is
 * laid bare: the worst case), 20,000 records, `--restart`. Telemetry on (the default: DGT's `events.jsonl` and
 * `traces.jsonl`, one traces line per LM call, in `DGT_TELEMETRY_DIR`, a scratch folder here) against
 * `DGT_TELEMETRY_DISABLE=1`, the baseline, in alternating runs; then `--debug --log-format json` (stderr to a file)
 * with telemetry off and on. Medians of wall time, CPU time (user + system, the child's own rusage at exit) and peak
 * RSS, each as a ratio to the baseline's; µs of CPU per record; the size of what was written.
 * `BENCH_TELEMETRY_OUTPUTS` changes the record count, `BENCH_TELEMETRY_REPEATS` the runs of each side (default 3).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './child-server.ts';
import { median, mib, num, range, scratchDir } from './common.ts';

const outputs = Number(process.env['BENCH_TELEMETRY_OUTPUTS'] ?? 20_000);
const repeats = Number(process.env['BENCH_TELEMETRY_REPEATS'] ?? 3);

/** What one CLI process cost, from its own `process.resourceUsage()` at exit (`report-peak-rss.mjs`). */
interface ProcessFigures {
  readonly seconds: number;
  readonly cpuMs: number;
  readonly peakRss: number;
}

/** One way of running the CLI. */
interface Variant {
  readonly label: string;
  readonly telemetry: boolean;
  readonly debugLog: boolean;
}

const baseline: Variant = { label: 'telemetry off (DGT_TELEMETRY_DISABLE=1, the baseline)', telemetry: false, debugLog: false };
const telemetryOn: Variant = { label: 'telemetry on (the default)', telemetry: true, debugLog: false };
const debugOff: Variant = { label: '--debug --log-format json, telemetry off', telemetry: false, debugLog: true };
const debugOn: Variant = { label: '--debug --log-format json, telemetry on', telemetry: true, debugLog: true };

/** Variables that would change where the CLI writes or what it talks to. */
const isolated = ['DGT_TELEMETRY_DISABLE', 'DGT_TELEMETRY_DIR', 'DGT_TELEMETRY_RECORD_PAYLOADS', 'DGT_TELEMETRY_PAYLOAD_MAX_CHARS', 'DGT_OUTPUT_DIR', 'DGT_CACHE_DIR', 'DGT_DATA_DIR'];

/** Runs the built CLI once to its end, stderr to `stderrFile`; throws when it exits with an error. */
function runCli(variant: Variant, dir: string, tag: string): Promise<ProcessFigures> {
  const usageFile = join(dir, `usage-${tag}.json`);
  const env: Record<string, string | undefined> = { ...process.env, RXDGT_BENCH_USAGE: usageFile, DGT_TELEMETRY_DIR: join(dir, `telemetry-${tag}`) };
  for (const name of isolated.filter((name) => name !== 'DGT_TELEMETRY_DIR')) delete env[name];
  if (!variant.telemetry) env['DGT_TELEMETRY_DISABLE'] = '1';
  const args = [
    '--import',
    join(repoRoot, 'spec', 'bench', 'report-peak-rss.mjs'),
    join(dir, 'dist', 'cli.mjs'),
    'run',
    '--task-paths',
    'samples/geography-qa',
    '--simulated',
    '--num-outputs-to-generate',
    String(outputs),
    '--output-dir',
    join(dir, `out-${tag}`),
    '--restart',
    ...(variant.debugLog ? ['--debug', '--log-format', 'json'] : []),
  ];
  const stderrFile = join(dir, `stderr-${tag}.log`);
  const stderr = openSync(stderrFile, 'w');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ['ignore', 'ignore', stderr] });
    child.on('error', (error) => {
      closeSync(stderr);
      reject(error);
    });
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      closeSync(stderr);
      if (code !== 0) {
        const tail = readFileSync(stderrFile, 'utf8').trim().split('\n').slice(-8).join(' | ');
        reject(new Error(`${variant.label}: the CLI exited ${code}: ${tail}`));
        return;
      }
      const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssKiB: number; userMs: number; systemMs: number };
      resolve({ seconds, cpuMs: usage.userMs + usage.systemMs, peakRss: usage.maxRssKiB * 1024 });
    });
  });
}

/** The medians of several runs of one variant. */
function medians(runs: readonly ProcessFigures[]): ProcessFigures {
  return { seconds: median(runs.map((run) => run.seconds)), cpuMs: median(runs.map((run) => run.cpuMs)), peakRss: median(runs.map((run) => run.peakRss)) };
}

const sizeOf = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
const linesOf = (path: string): number => (existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0);

/** `wall 5.41 s (1.00x), CPU 5.20 s (1.00x), peak RSS 245.1 MiB (1.00x), 260.0 µs CPU per record`. */
function describe(figures: ProcessFigures, base: ProcessFigures, runs: number): string {
  const perRecord = (figures.cpuMs * 1000) / outputs;
  const extra = figures === base ? '' : ` (+${num(((figures.cpuMs - base.cpuMs) * 1000) / outputs, 1)} µs over the baseline)`;
  return (
    `wall ${num(figures.seconds)} s (${num(figures.seconds / base.seconds)}x), CPU ${num(figures.cpuMs / 1000)} s (${num(figures.cpuMs / base.cpuMs)}x), ` +
    `peak RSS ${mib(figures.peakRss)} (${num(figures.peakRss / base.peakRss)}x); ${num(perRecord, 1)} µs CPU per record${extra}` +
    (runs > 1 ? `; median of ${runs}` : '')
  );
}

/**
 * `npm run build` into `<dir>/dist`, with `package.json`, `builders/` and `node_modules/` linked beside it, so the
 * package root is found and imports resolve as in the repository. A private build: other work (the package specs)
 * rebuilds the repository's `dist/`, which is empty for a while each time, and a run started then fails.
 */
function buildPrivateCli(dir: string): void {
  const build = spawnSync('npx', ['tsdown', '--out-dir', join(dir, 'dist'), '--no-dts'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsdown --out-dir ${join(dir, 'dist')} failed: ${build.stderr}`);
  for (const name of ['package.json', 'builders', 'node_modules']) symlinkSync(join(repoRoot, name), join(dir, name));
}

/** Builds the CLI (privately), then runs telemetry off and on alternately, then the `--debug` runs. */
export async function benchTelemetryOverhead(): Promise<string[]> {
  const scratch = await scratchDir('telemetry');
  const lines = [`  the built CLI, whole process, samples/geography-qa --simulated, ${num(outputs)} records, --restart; ${repeats} runs each of off and on, interleaved`];
  try {
    buildPrivateCli(scratch.path);
    const off: ProcessFigures[] = [];
    const on: ProcessFigures[] = [];
    // One untimed run first, so the file cache holds the CLI and its dependencies for every timed run alike.
    await runCli(baseline, scratch.path, 'warm-up');
    for (let round = 0; round < repeats; round += 1) {
      const order = round % 2 === 0 ? ([baseline, telemetryOn] as const) : ([telemetryOn, baseline] as const);
      for (const variant of order) (variant === baseline ? off : on).push(await runCli(variant, scratch.path, `${variant === baseline ? 'off' : 'on'}-${round}`));
    }
    const base = medians(off);
    const spread = (runs: readonly ProcessFigures[]): string => `; CPU of each run ${range(runs.map((run) => run.cpuMs / 1000))} s`;
    lines.push(`  ${baseline.label}: ${describe(base, base, repeats)}${spread(off)}`);
    lines.push(`  ${telemetryOn.label}: ${describe(medians(on), base, repeats)}${spread(on)}`);
    const telemetryDir = join(scratch.path, 'telemetry-on-0');
    const traces = join(telemetryDir, 'traces.jsonl');
    const events = join(telemetryDir, 'events.jsonl');
    lines.push(
      `  written by one run: traces.jsonl ${mib(sizeOf(traces))} (${num(linesOf(traces), 0)} lines, ${num(sizeOf(traces) / outputs, 0)} bytes per record), ` +
        `events.jsonl ${mib(sizeOf(events))} (${num(linesOf(events), 0)} lines)`,
    );
    for (const [variant, tag] of [
      [debugOff, 'debug-off'],
      [debugOn, 'debug-on'],
    ] as const) {
      const run = await runCli(variant, scratch.path, tag);
      const log = join(scratch.path, `stderr-${tag}.log`);
      lines.push(`  ${variant.label}: ${describe(run, base, 1)}; stderr ${mib(sizeOf(log))} (${num(linesOf(log), 0)} lines)`);
    }
  } finally {
    await scratch.remove();
  }
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const line of await benchTelemetryOverhead()) console.log(line);
}
