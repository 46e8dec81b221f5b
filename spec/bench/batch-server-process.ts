/**
 * The test server with its provider batch routes, in its own process (`batch-api.bench.ts`): prints
 * `{"baseURL": ...}` once it listens, then answers each `stats` line on stdin with its CPU time, its counters and
 * the custom ids its batches received (`submitted`, `distinct`); `reset` zeroes them first. A batch completes
 * `COMPLETE_AFTER_MS` after it was created (the answer to its creation held `CREATE_REPLY_DELAY_MS`); direct calls wait
 * `LATENCY_MS`. Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startTestServer } from '../../lib/testing/test-server.ts';

let customIds: string[] = [];
let batches = 0;
const server = await startTestServer({
  latencyMs: Number(process.env['LATENCY_MS'] ?? 50),
  recordRequests: false,
  batches: {
    completeAfterMs: Number(process.env['COMPLETE_AFTER_MS'] ?? 0),
    createReplyDelayMs: Number(process.env['CREATE_REPLY_DELAY_MS'] ?? 0),
    onSubmit: (_id, ids) => {
      batches += 1;
      customIds.push(...ids);
    },
  },
});

const stats = (): string => {
  const cpu = process.cpuUsage();
  return `${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, counters: server.counters, batches, submitted: customIds.length, distinct: new Set(customIds).size })}\n`;
};

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'reset') {
      server.resetCounters();
      customIds = [];
      batches = 0;
    }
    process.stdout.write(stats());
  })
  .on('close', () => {
    void server.close().then(() => process.exit(0));
  });

process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
