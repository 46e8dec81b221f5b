/**
 * The test server in its own process, answering as one of DGT's builders:
 * `BUILDER=instructlab-skills node --import tsx spec/bench/builder-server-process.ts`. `BUILDER` names a folder of
 * `spec/builders/` whose `answers.ts` exports `answers()` (a fresh responder); `LATENCY_MS` (default 50) delays
 * each generation answer. Embeddings are the test server's own. Prints `{"baseURL": ...}` once it listens; then
 * answers each `stats` line on stdin with `{"cpuMs": ..., "counters": ...}`, and each `reset` line by zeroing the
 * counters and the responder's state, answering with stats too. Exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { startTestServer } from '../../lib/testing/test-server.ts';
import type { TestServerAnswer, TestServerRequest } from '../../lib/testing/test-server-options.ts';

type Respond = (request: TestServerRequest, index: number, choice: number) => string | TestServerAnswer;

const folder = process.env['BUILDER'] ?? '';
if (!/^[a-z0-9-]+$/.test(folder)) throw new Error(`BUILDER must name a folder of spec/builders (e.g. instructlab-skills), received "${folder}"`);
const module = (await import(`../builders/${folder}/answers.ts`)) as { answers?: () => Respond };
if (typeof module.answers !== 'function') throw new Error(`spec/builders/${folder}/answers.ts exports no \`answers()\` function`);
const createResponder = module.answers;

let respond = createResponder();
const server = await startTestServer({
  latencyMs: Number(process.env['LATENCY_MS'] ?? 50),
  recordRequests: false,
  respond: (request, index, choice) => respond(request, index, choice),
});

const stats = (): string => {
  const cpu = process.cpuUsage();
  return `${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, counters: server.counters })}\n`;
};

createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'reset') {
      server.resetCounters();
      respond = createResponder();
    }
    process.stdout.write(stats());
  })
  .on('close', () => {
    void server.close().then(() => process.exit(0));
  });

process.stdout.write(`${JSON.stringify({ baseURL: server.baseURL })}\n`);
