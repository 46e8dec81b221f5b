/**
 * A Node process of a benchmark, run to its end and measured as a user's would be: whole-process wall time, and the
 * child's own CPU (user + system) and peak RSS, read from its `process.resourceUsage()` at exit by the preloaded
 * `report-peak-rss.mjs`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './child-server.ts';

/** What one process cost. */
export interface ProcessFigures {
  readonly seconds: number;
  readonly cpuMs: number;
  /** Bytes. */
  readonly peakRss: number;
  readonly stderr: string;
}

/** Variables that would point a CLI elsewhere or change what it writes: unset unless `env` sets them. */
const isolated = [
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'OLLAMA_HOST',
  'DGT_TELEMETRY_DISABLE',
  'DGT_TELEMETRY_DIR',
  'DGT_TELEMETRY_RECORD_PAYLOADS',
  'DGT_TELEMETRY_PAYLOAD_MAX_CHARS',
  'DGT_OUTPUT_DIR',
  'DGT_CACHE_DIR',
  'DGT_DATA_DIR',
];

/** How a benchmark's Node process is started: its folder, where it writes its usage, variables over this process's. */
export interface NodeProcessOptions {
  readonly cwd: string;
  /** Where the child writes its usage at exit. */
  readonly usageFile: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** A started process: `result` settles when it exits (rejects on a non-zero exit or a signal). */
export interface StartedNodeProcess {
  readonly child: ChildProcess;
  /** Its standard error so far. */
  stderr(): string;
  readonly result: Promise<ProcessFigures>;
}

/**
 * Starts `node --import report-peak-rss.mjs <args>` in `cwd`, with `env` over this process's (minus the variables
 * above), for processes that run alongside the benchmark (`rxdgt worker`) and are stopped by a signal.
 */
export function startNodeProcess(args: readonly string[], options: NodeProcessOptions): StartedNodeProcess {
  const env = options.env ?? {};
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env, RXDGT_BENCH_USAGE: options.usageFile };
  for (const name of isolated) if (!(name in env)) delete childEnv[name];
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', join(repoRoot, 'spec', 'bench', 'report-peak-rss.mjs'), ...args], {
    cwd: options.cwd,
    env: childEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<ProcessFigures>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited ${signal ?? code}: ${stderr.slice(-2000)}`));
      const usage = JSON.parse(readFileSync(options.usageFile, 'utf8')) as { maxRssKiB: number; userMs: number; systemMs: number };
      resolve({ seconds: (performance.now() - started) / 1000, cpuMs: usage.userMs + usage.systemMs, peakRss: usage.maxRssKiB * 1024, stderr });
    });
  });
  return { child, stderr: () => stderr, result };
}

/** Runs `node --import report-peak-rss.mjs <args>` to its end (see {@link startNodeProcess}). Rejects when it exits non-zero. */
export function runNodeProcess(args: readonly string[], options: NodeProcessOptions): Promise<ProcessFigures> {
  return startNodeProcess(args, options).result;
}

/** The built CLI's path; throws a clear error when `npm run build` has not made it. */
export function builtCli(): string {
  const cli = join(repoRoot, 'dist', 'cli.mjs');
  try {
    readFileSync(cli, { flag: 'r' });
  } catch {
    throw new Error('dist/cli.mjs is missing: run `npm run build` first');
  }
  return cli;
}

/**
 * Builds the CLI into `<dir>/dist` (`tsdown --out-dir`, no type declarations), with `package.json`, `builders/` and
 * `node_modules/` linked beside it so imports and the package root resolve as in the repository; returns its
 * `cli.mjs`. A private build of the tree as it is now: the repository's `dist/` may be stale, or rebuilt (and empty
 * for a while) by other work during the benchmark.
 */
export function privateBuiltCli(dir: string): string {
  const build = spawnSync('npx', ['tsdown', '--out-dir', join(dir, 'dist'), '--no-dts'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`tsdown --out-dir ${join(dir, 'dist')} failed: ${build.stderr}`);
  for (const name of ['package.json', 'builders', 'node_modules']) symlinkSync(join(repoRoot, name), join(dir, name));
  return join(dir, 'dist', 'cli.mjs');
}
