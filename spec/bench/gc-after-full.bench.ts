/**
 * Young collections after a full GC, as users run rxdgt: the built CLI, whole process, the geography task on the
 * `simulated` engine with exact dedupe (300,000 records), with one full GC forced 1.5 s in (the first mark-compact of
 * a long run comes by itself later). Compares the mean scavenge pause after that full GC with the one before it, in
 * the same process, and counts the full GCs after it. A long-lived `Map` or `Set` with an entry in and out per record
 * keeps every record's objects alive through young collections once a full GC has moved it to the old generation
 * (see `Merge.running` in lib/merge-started.ts): the pause then grew about 8x and a mark-compact followed every 300 ms,
 * a quarter of a 1M-record run. Expects `dist/cli.mjs` (`npm run build`); prints figures only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './child-server.ts';
import { num, scratchDir, simulatedGeographyRun } from './common.ts';
import { runNodeProcess } from './node-process.ts';

const records = Number(process.env['BENCH_GC_RECORDS'] ?? 300_000);

interface GcFigures {
  readonly before: { readonly scavenges: number; readonly pauseMs: number };
  readonly after: { readonly scavenges: number; readonly pauseMs: number; readonly fullGcs: number; readonly fullPauseMs: number };
  readonly forced: boolean;
}

export async function benchGcAfterFull(): Promise<string[]> {
  const cli = join(repoRoot, 'dist', 'cli.mjs');
  if (!existsSync(cli)) return [`  ${cli} is missing: run \`npm run build\` first (this benchmark runs the built CLI and builds nothing)`];
  const scratch = await scratchDir('gc-after-full');
  try {
    const dir = scratch.path;
    const file = join(dir, 'gc.json');
    const run = await runNodeProcess(
      ['--expose-gc', '--import', join(repoRoot, 'spec', 'bench', 'gc-after-full-preload.mjs'), cli, ...simulatedGeographyRun(dir, 'gc', records, 1.0), '--restart'],
      { cwd: dir, usageFile: join(dir, 'usage.json'), env: { RXDGT_BENCH_GC_FILE: file, RXDGT_BENCH_FULL_GC_MS: '1500', DGT_TELEMETRY_DIR: join(dir, 'telemetry') } },
    );
    const figures = JSON.parse(readFileSync(file, 'utf8')) as GcFigures;
    if (!figures.forced || figures.after.scavenges === 0) return [`  the run ended before the forced full GC had young collections after it (${num(run.seconds, 1)} s): raise BENCH_GC_RECORDS`];
    const before = figures.before.pauseMs / figures.before.scavenges;
    const after = figures.after.pauseMs / figures.after.scavenges;
    return [
      `  ${num(records)} records, ${num(run.seconds, 1)} s, ${num((run.cpuMs * 1000) / records, 1)} µs CPU per record: mean scavenge pause ${num(before, 2)} ms over ${figures.before.scavenges} before the full GC, ` +
        `${num(after, 2)} ms over ${figures.after.scavenges} after it (**${(after / before).toFixed(2)}x**; goal about 1x), ${figures.after.fullGcs} full GCs after it (${num(figures.after.fullPauseMs, 0)} ms)`,
    ];
  } finally {
    await scratch.remove();
  }
}
