/**
 * The test server in its own process, so a benchmark measures its client's CPU alone:
 * `node --import tsx spec/bench/test-server-process.ts`. Prints `{"baseURL": ...}` once it listens; then
 * answers each `stats` line on stdin with `{"cpuMs": ..., "counters": ...}`, and each `reset` line by
 * zeroing the counters and answering with stats too. Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startTestServer } from '../../lib/testing/test-server.ts';

const server = await startTestServer({ latencyMs: Number(process.env['LATENCY_MS'] ?? 50), recordRequests: false });

const stats = (): string => {
  const cpu = process.cpuUsage();
  return `${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, counters: server.counters })}\n`;
};

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'reset') server.resetCounters();
    process.stdout.write(stats());
  })
  .on('close', () => {
    void server.close().then(() => process.exit(0));
  });

process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
