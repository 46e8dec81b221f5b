/**
 * A Node process of a benchmark, run to its end and measured as a user's would be: whole-process wall time, and the
 * child's own CPU (user + system) and peak RSS, read from its `process.resourceUsage()` at exit by the preloaded
 * `report-peak-rss.mjs`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/**
 * Runs `node --import report-peak-rss.mjs <args>` in `cwd` to its end, with `env` over this process's (minus the
 * variables above). `usageFile` is where the child writes its usage. Rejects when it exits non-zero.
 */
export function runNodeProcess(args: readonly string[], options: { readonly cwd: string; readonly usageFile: string; readonly env?: Readonly<Record<string, string>> }): Promise<ProcessFigures> {
  const env = options.env ?? {};
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env, RXDGT_BENCH_USAGE: options.usageFile };
  for (const name of isolated) if (!(name in env)) delete childEnv[name];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', join(repoRoot, 'spec', 'bench', 'report-peak-rss.mjs'), ...args], {
      cwd: options.cwd,
      env: childEnv,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      const usage = JSON.parse(readFileSync(options.usageFile, 'utf8')) as { maxRssKiB: number; userMs: number; systemMs: number };
      resolve({ seconds: (performance.now() - started) / 1000, cpuMs: usage.userMs + usage.systemMs, peakRss: usage.maxRssKiB * 1024, stderr });
    });
  });
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
