// Preloaded by gc-after-full.bench.ts into the built CLI (node --expose-gc --import ...): forces one full GC at
// RXDGT_BENCH_FULL_GC_MS after start, follows every GC through `perf_hooks`, and writes to RXDGT_BENCH_GC_FILE at exit
// the young collections (count, total pause) before and after that full GC, and the full GCs after it.
import { writeFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const at = Number(process.env.RXDGT_BENCH_FULL_GC_MS ?? 1500);
const figures = { before: { scavenges: 0, pauseMs: 0 }, after: { scavenges: 0, pauseMs: 0, fullGcs: 0, fullPauseMs: 0 }, forced: false };
let forcedAt = Number.POSITIVE_INFINITY;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = entry.detail?.kind;
    const after = entry.startTime > forcedAt;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      const side = after ? figures.after : figures.before;
      side.scavenges += 1;
      side.pauseMs += entry.duration;
    } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR && after) {
      figures.after.fullGcs += 1;
      figures.after.fullPauseMs += entry.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });
setTimeout(() => {
  forcedAt = performance.now() + 1;
  globalThis.gc();
  figures.forced = true;
}, at).unref();
process.on('exit', () => writeFileSync(process.env.RXDGT_BENCH_GC_FILE, JSON.stringify(figures)));
