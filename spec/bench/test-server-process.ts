/**
 * The test server in its own process, so a benchmark measures its client's CPU alone:
 * `node --import tsx spec/bench/test-server-process.ts`. Prints `{"baseURL": ...}` once it listens; then
 * answers each `stats` line on stdin with `{"cpuMs": ..., "counters": ...}`, and each `reset` line by
 * zeroing the counters and answering with stats too. Exits when stdin closes.
 */
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { startTestServer } from '../../lib/testing/test-server.ts';

// `ANSWERS=by-prompt`: a deterministic model, as at temperature 0: the same prompt always gets the same pair.
const byPrompt = process.env['ANSWERS'] === 'by-prompt';
const server = await startTestServer({
  latencyMs: Number(process.env['LATENCY_MS'] ?? 50),
  recordRequests: false,
  ...(byPrompt
    ? {
        respond: (request: { readonly body: unknown }) => {
          const tag = createHash('sha1').update(JSON.stringify((request.body as { messages?: unknown; prompt?: unknown }).messages ?? (request.body as { prompt?: unknown }).prompt)).digest('hex').slice(0, 10);
          return `Question: What is the capital of region ${tag}?\nAnswer: City ${tag}.`;
        },
      }
    : {}),
});

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
