// Preloaded by the memory benchmark (`node --import ./report-peak-rss.mjs dist/cli.mjs ...`): when the process
// exits, writes its peak resident set size and CPU time to the file RXDGT_BENCH_USAGE names.
import { writeFileSync } from 'node:fs';

const file = process.env.RXDGT_BENCH_USAGE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKiB: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 }));
  });
}
