/**
 * Memory as users run rxdgt: the built CLI (`node dist/cli.mjs run ...`), whole process, the geography task on the
 * offline `simulated` engine, at 100,000 and 1,000,000 records; peak RSS from the process's own rusage. Dedupe off
 * (the goal: 1M within 1.2x of 100k) and exact (Rouge-L at threshold 1.0, hashed: the goal is at most 100 bytes per
 * extra kept record). Then a rerun of the finished 1M-record task (a resume that finds it complete).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './child-server.ts';
import { mib, num, scratchDir, simulatedGeographyRun } from './common.ts';

const small = Number(process.env['BENCH_MEMORY_SMALL'] ?? 100_000);
const large = Number(process.env['BENCH_MEMORY_LARGE'] ?? 1_000_000);

interface ProcessFigures {
  readonly code: number | null;
  readonly seconds: number;
  readonly peakRss: number;
  readonly cpuMs: number;
  readonly stderr: string;
}

/** Runs the built CLI once, as a user would, with the peak-RSS reporter preloaded. */
function runCli(args: readonly string[], usageFile: string): Promise<ProcessFigures> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', join(repoRoot, 'spec', 'bench', 'report-peak-rss.mjs'), join(repoRoot, 'dist', 'cli.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, RXDGT_BENCH_USAGE: usageFile },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssKiB: number; userMs: number; systemMs: number };
      resolve({ code, seconds: (performance.now() - started) / 1000, peakRss: usage.maxRssKiB * 1024, cpuMs: usage.userMs + usage.systemMs, stderr });
    });
  });
}

export async function benchMemory(): Promise<string[]> {
  const build = spawnSync('npx', ['tsdown'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr}`);
  const scratch = await scratchDir('memory');
  const lines: string[] = [];
  try {
    const usage = join(scratch.path, 'usage.json');
    const measured = new Map<string, ProcessFigures>();
    for (const [label, threshold] of [
      ['dedupe off', 1.1],
      ['exact dedupe', 1.0],
    ] as const) {
      for (const target of [small, large]) {
        const args = simulatedGeographyRun(scratch.path, `${target}-${threshold}`, target, threshold);
        const run = await runCli(args, usage);
        if (run.code !== 0) throw new Error(`the ${label} run to ${target} exited ${run.code}: ${run.stderr}`);
        measured.set(`${label} ${target}`, run);
        lines.push(
          `  ${label}, ${num(target)} records: peak RSS ${mib(run.peakRss)}; ${num(run.seconds, 1)} s, ${num((run.cpuMs * 1000) / target, 1)} µs CPU per record`,
        );
        if (target === large && threshold === 1.0) {
          const dataBytes = statSync(join(scratch.path, `out-${target}-${threshold}`, 'geo', 'data.jsonl')).size;
          const resumed = await runCli(args, usage);
          lines.push(
            `  resume of the finished ${num(target)}-record task (data.jsonl ${mib(dataBytes)}; final_data rewritten): ${num(resumed.seconds, 2)} s, peak RSS ${mib(resumed.peakRss)}, exit ${resumed.code}`,
          );
        }
      }
      const low = measured.get(`${label} ${small}`)!;
      const high = measured.get(`${label} ${large}`)!;
      lines.push(`  ${label}: peak RSS ${num(large)} / ${num(small)} = ${(high.peakRss / low.peakRss).toFixed(2)}x; ${num((high.peakRss - low.peakRss) / (large - small), 1)} bytes per extra record`);
    }
    const offGrowth = measured.get(`dedupe off ${large}`)!.peakRss - measured.get(`dedupe off ${small}`)!.peakRss;
    const exactGrowth = measured.get(`exact dedupe ${large}`)!.peakRss - measured.get(`exact dedupe ${small}`)!.peakRss;
    lines.push(`  exact dedupe beyond dedupe off: ${num((exactGrowth - offGrowth) / (large - small), 1)} bytes per extra kept record`);
  } finally {
    await scratch.remove();
  }
  return lines;
}
