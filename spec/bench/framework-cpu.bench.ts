/**
 * Framework CPU per record as users run rxdgt: the built CLI (`node dist/cli.mjs run ...`), whole process (start-up,
 * progress, telemetry and I/O included), the geography task on the offline `simulated` engine with exact dedupe on,
 * at 100,000 records and at BENCH_FRAMEWORK_RECORDS (default 1,000,000). CPU is user + system time and peak RSS the
 * child's own (`process.resourceUsage()` at exit, `report-peak-rss.mjs`). The baseline, run the same way, is a plain
 * Node script (`framework-cpu-baseline.mjs`) that makes as many records of the same shape and appends them as JSONL
 * as a hand-written loop would: the floor any framework pays. Each size runs BENCH_FRAMEWORK_ROUNDS rounds (default
 * 3) of the loop, the CLI with telemetry on (the CLI's default) and the CLI with telemetry off
 * (`DGT_TELEMETRY_DISABLE=1`), back to back: this machine's speed drifts by 10 – 25% within minutes, so a figure is
 * the median of its rounds, and a ratio (to the loop, or telemetry's share) the median of each round's own.
 * Expects `dist/cli.mjs` (`npm run build`); builds nothing. Prints figures only.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './child-server.ts';
import { median, mib, num, range, scratchDir, simulatedGeographyRun } from './common.ts';
import { type ProcessFigures, runNodeProcess } from './node-process.ts';

/** The built CLI this benchmark runs. */
const builtCli = join(repoRoot, 'dist', 'cli.mjs');
const small = 100_000;
const large = Number(process.env['BENCH_FRAMEWORK_RECORDS'] ?? 1_000_000);
const rounds = Math.max(1, Number(process.env['BENCH_FRAMEWORK_ROUNDS'] ?? 3));

/** Runs `node --import report-peak-rss.mjs <args>` in `dir` to its end (see node-process.ts); throws when it fails. */
function runNode(args: readonly string[], dir: string, tag: string, env: Readonly<Record<string, string>>): Promise<ProcessFigures> {
  return runNodeProcess(args, { cwd: dir, usageFile: join(dir, `usage-${tag}.json`), env });
}

/** The geography task on `simulated` with exact dedupe, started over. */
function writeTask(dir: string, target: number): string[] {
  return [...simulatedGeographyRun(dir, String(target), target, 1.0), '--restart'];
}

/** One round at one size: the loop, then the CLI with telemetry on and off (their order swapped every other round). */
interface Round {
  readonly loop: ProcessFigures;
  readonly on: ProcessFigures;
  readonly off: ProcessFigures;
}

async function runRound(dir: string, target: number, round: number): Promise<Round> {
  const loop = await runNode([join(repoRoot, 'spec', 'bench', 'framework-cpu-baseline.mjs'), String(target), join(dir, `loop-${target}.jsonl`)], dir, `loop-${target}-${round}`, {});
  // Each run's telemetry folder goes when it is measured: a million records write 760 MB of traces.
  const telemetry = join(dir, `telemetry-${target}-${round}`);
  const on = async (): Promise<ProcessFigures> => {
    const figures = await runNode([builtCli, ...writeTask(dir, target)], dir, `on-${target}-${round}`, { DGT_TELEMETRY_DIR: telemetry });
    await rm(telemetry, { recursive: true, force: true });
    return figures;
  };
  const off = (): Promise<ProcessFigures> => runNode([builtCli, ...writeTask(dir, target)], dir, `off-${target}-${round}`, { DGT_TELEMETRY_DISABLE: '1' });
  if (round % 2 === 0) {
    const first = await on();
    return { loop, on: first, off: await off() };
  }
  const first = await off();
  return { loop, on: await on(), off: first };
}

/** µs of CPU per record of one run. */
const perRecord = (run: ProcessFigures, target: number): number => (run.cpuMs * 1000) / target;

function report(target: number, results: readonly Round[]): string[] {
  const loop = results.map(({ loop: run }) => perRecord(run, target));
  const cli = (label: string, pick: (round: Round) => ProcessFigures): string => {
    const runs = results.map(pick);
    const each = runs.map((run) => perRecord(run, target));
    const ratios = results.map((round) => perRecord(pick(round), target) / perRecord(round.loop, target));
    return (
      `  CLI, ${label}, ${num(target)} records: **${num(median(each), 1)} µs CPU per record** (rounds ${range(each, (value) => num(value, 1))}), ` +
      `${num(median(ratios), 1)}x the loop (each round's ratio ${range(ratios, (value) => num(value, 1))}), ` +
      `${num(median(runs.map((run) => target / run.seconds)))} records/s, peak RSS ${mib(median(runs.map((run) => run.peakRss)))}`
    );
  };
  const telemetry = results.map(({ on, off }) => perRecord(on, target) - perRecord(off, target));
  return [
    cli('telemetry on (the default)', ({ on }) => on),
    cli('telemetry off (DGT_TELEMETRY_DISABLE=1)', ({ off }) => off),
    `  telemetry's share, ${num(target)} records: ${num(median(telemetry), 1)} µs per record (each round's on − off ${range(telemetry, (value) => num(value, 1))})`,
    `  hand-written loop, ${num(target)} records: ${num(median(loop), 2)} µs CPU per record (rounds ${range(loop, (value) => num(value, 2))}), ` +
      `${num(median(results.map(({ loop: run }) => target / run.seconds)))} records/s, peak RSS ${mib(median(results.map(({ loop: run }) => run.peakRss)))}`,
  ];
}

export async function benchFrameworkCpu(): Promise<string[]> {
  if (!existsSync(builtCli)) return [`  ${builtCli} is missing: run \`npm run build\` first (this benchmark runs the built CLI and builds nothing)`];
  const scratch = await scratchDir('framework-cpu');
  const lines = [`  ${rounds} round(s) per size, each the loop then the CLI with telemetry on and off; medians of the rounds`];
  try {
    for (const target of [...new Set([small, large])]) {
      const results: Round[] = [];
      for (let round = 0; round < rounds; round += 1) results.push(await runRound(scratch.path, target, round));
      lines.push(...report(target, results));
    }
  } finally {
    await scratch.remove();
  }
  return lines;
}
