/**
 * Framework CPU per record as users run rxdgt: the built CLI (`node dist/cli.mjs run ...`), whole process (start-up,
 * progress, telemetry and I/O included), the geography task on the offline `simulated` engine with exact dedupe on,
 * at 100,000 records and at BENCH_FRAMEWORK_RECORDS (default 1,000,000). CPU is user + system time and peak RSS the
 * child's own (`process.resourceUsage()` at exit, `report-peak-rss.mjs`). The baseline, run the same way, is a plain
 * Node script (`framework-cpu-baseline.mjs`) that makes as many records of the same shape and appends them as JSONL
 * as a hand-written loop would: the floor any framework pays. Telemetry is on (the CLI's default) and, at 100,000,
 * also off (`DGT_TELEMETRY_DISABLE=1`). Expects `dist/cli.mjs` (`npm run build`); builds nothing. Prints figures only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './child-server.ts';
import { mib, num, scratchDir, simulatedGeographyRun } from './common.ts';
import { type ProcessFigures, runNodeProcess } from './node-process.ts';

const small = 100_000;
const large = Number(process.env['BENCH_FRAMEWORK_RECORDS'] ?? 1_000_000);

/** Runs `node --import report-peak-rss.mjs <args>` in `dir` to its end (see node-process.ts); throws when it fails. */
function runNode(args: readonly string[], dir: string, tag: string, env: Readonly<Record<string, string>>): Promise<ProcessFigures> {
  return runNodeProcess(args, { cwd: dir, usageFile: join(dir, `usage-${tag}.json`), env });
}

/** The geography task on `simulated` with exact dedupe, started over. */
function writeTask(dir: string, target: number): string[] {
  return [...simulatedGeographyRun(dir, String(target), target, 1.0), '--restart'];
}

function line(label: string, target: number, run: ProcessFigures, floor: ProcessFigures): string {
  const perRecord = (run.cpuMs * 1000) / target;
  const floorPerRecord = (floor.cpuMs * 1000) / target;
  return (
    `  ${label}, ${num(target)} records: ${num(perRecord, 1)} µs CPU per record (${(perRecord / floorPerRecord).toFixed(1)}x the loop's ${num(floorPerRecord, 1)}), ` +
    `${num(target / run.seconds)} records/s, peak RSS ${mib(run.peakRss)} (loop ${mib(floor.peakRss)}); ${num(run.seconds, 1)} s`
  );
}

export async function benchFrameworkCpu(): Promise<string[]> {
  const cli = join(repoRoot, 'dist', 'cli.mjs');
  if (!existsSync(cli)) return [`  ${cli} is missing: run \`npm run build\` first (this benchmark runs the built CLI and builds nothing)`];
  const scratch = await scratchDir('framework-cpu');
  const lines: string[] = [];
  try {
    const dir = scratch.path;
    for (const target of [...new Set([small, large])]) {
      const floor = await runNode([join(repoRoot, 'spec', 'bench', 'framework-cpu-baseline.mjs'), String(target), join(dir, `loop-${target}.jsonl`)], dir, `loop-${target}`, {});
      const withTelemetry = await runNode([cli, ...writeTask(dir, target)], dir, `cli-${target}`, { DGT_TELEMETRY_DIR: join(dir, `telemetry-${target}`) });
      lines.push(line('CLI, telemetry on (the default)', target, withTelemetry, floor));
      if (target === small) {
        const without = await runNode([cli, ...writeTask(dir, target)], dir, `cli-quiet-${target}`, { DGT_TELEMETRY_DISABLE: '1' });
        lines.push(line('CLI, telemetry off (DGT_TELEMETRY_DISABLE=1)', target, without, floor));
      }
      lines.push(`  hand-written loop, ${num(target)} records: ${num((floor.cpuMs * 1000) / target, 2)} µs CPU per record, ${num(target / floor.seconds)} records/s, peak RSS ${mib(floor.peakRss)}`);
    }
  } finally {
    await scratch.remove();
  }
  return lines;
}
