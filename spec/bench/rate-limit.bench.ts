/**
 * Rate limits: the geography QA pipeline over `createOpenAI` against an endpoint that allows 600 requests per
 * minute (`rate-limited-server-process.ts`, in a child process), to 300 records. The bound is 300 records at
 * 10 per second: 30 s. Two engine configurations: no `rpm` (the engine must learn the limit from the
 * `x-ratelimit-*` headers and the 429s: AIMD and the `Retry-After` pause), and `rpm: 600` configured.
 *
 * The server's limiter is a token bucket of 10 requests refilling at 10 per second, so a fresh server lets a
 * burst of 10 through, not a minute's worth: the fastest possible run is the 10 of the burst at once, then 290
 * at 10/s (29 s plus one answer's latency). The two configurations run side by side, each against its own
 * server process (own port, so own admission control in rxdgt's registry) and with its own API key.
 */
import { count, lastValueFrom, takeUntil, tap, timer } from 'rxjs';
import { geographyQa } from '../../builders/geography-qa/index.ts';
import { type Engine, createEngine } from '../../lib/model/engine.ts';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { createTask } from '../../lib/run/task.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { type LimitedServerStats, startChildServer } from './child-server.ts';
import { cpuMsSince, geographySeeds, num, scratchDir } from './common.ts';

const rpm = 600;
const burst = 10;
const latencyMs = 50;
const callLimit = 64;
const records = Number(process.env['BENCH_RATE_LIMIT_RECORDS'] ?? 300);
const boundMs = (records / (rpm / 60)) * 1000;
/** The best a client can do against this server: the burst at once, the rest at the refill rate, one latency. */
const bestMs = (Math.max(0, records - burst) / (rpm / 60)) * 1000 + latencyMs;
/** A run still going after this is cut off, so a limiter that stalls cannot hold up `npm run bench`. */
const cutOffMs = 3 * boundMs;

interface Configuration {
  readonly label: string;
  readonly rpm?: number;
}

const configurations: readonly Configuration[] = [
  { label: '(a) no rpm configured (learnt from headers and 429s)' },
  { label: `(b) rpm: ${rpm} configured`, rpm },
];

interface Outcome {
  readonly configuration: Configuration;
  readonly emitted: number;
  readonly wallMs: number;
  readonly clientCpuMs: number;
  readonly cutOff: boolean;
  readonly result: TaskResult | undefined;
  readonly server: LimitedServerStats;
  readonly engine: Engine;
}

async function runConfiguration(configuration: Configuration, index: number): Promise<Outcome> {
  const server = await startChildServer<LimitedServerStats>('rate-limited-server-process.ts', {
    RPM: String(rpm),
    BURST: String(burst),
    LATENCY_MS: String(latencyMs),
  });
  const dir = await scratchDir('rate-limit');
  try {
    const model = createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: `bench-rate-limit-${index}` });
    const engine = createEngine(model, { callLimit, cacheSize: 0, ...(configuration.rpm === undefined ? {} : { rpm: configuration.rpm }) });
    const task = createTask({
      kind: 'generation',
      name: 'geo',
      seeds: geographySeeds,
      builder: geographyQa({ generator: engine }),
      numOutputsToGenerate: records,
      concurrency: callLimit,
      outputDir: dir.path,
    });
    let result: TaskResult | undefined;
    let cutOff = false;
    await server.ask('reset');
    const cpu = process.cpuUsage();
    const start = performance.now();
    const emitted = await lastValueFrom(
      task.run({ onEnd: (ended) => (result = ended) }).pipe(
        takeUntil(timer(cutOffMs).pipe(tap(() => (cutOff = true)))),
        count(),
      ),
    );
    const wallMs = performance.now() - start;
    const clientCpuMs = cpuMsSince(cpu);
    return { configuration, emitted, wallMs, clientCpuMs, cutOff, result, server: await server.ask('stats'), engine };
  } finally {
    await server.close();
    await dir.remove();
  }
}

const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

function describe(outcome: Outcome): string[] {
  const { configuration, emitted, wallMs, server, engine, result } = outcome;
  const stats = engine.stats;
  const state = engine.admission.state;
  const share = server.requests === 0 ? 0 : server.throttled / server.requests;
  const late = sum(server.throttledPerSecond.slice(2));
  const lines = [
    `  ${configuration.label}: ${num(wallMs / 1000)} s to ${emitted} records = ${num(wallMs / boundMs)}x the bound ` +
      `(${num(wallMs / bestMs)}x the best possible); ${num(emitted / (wallMs / 1000))} records/s`,
    `    ${server.requests} requests, ${server.throttled} answered 429 = ${(share * 100).toFixed(1)}% ` +
      `(${sum(server.throttledPerSecond.slice(0, 2))} in the first 2 s, ${late} after); ` +
      `peak ${Math.max(0, ...server.admittedPerSecond)} admitted in one second; ` +
      `engine: ${stats.requests} sends, ${stats.retries} retries, ${stats.failures} calls failed for good`,
    `    admission at the end: concurrency ${state.concurrency} of ${state.maxConcurrency}, rpm ${state.rpm ?? 'none'}; ` +
      `client CPU ${num(outcome.clientCpuMs / 1000)} s (both runs share this process); task ${result?.status ?? 'no result'} (${result?.reason ?? '?'})`,
  ];
  if (outcome.cutOff) lines.push(`    WARNING: cut off after ${num(cutOffMs / 1000)} s, ${emitted} of ${records} records made`);
  else if (emitted !== records) lines.push(`    WARNING: ${emitted} records of ${records} (${result?.message ?? 'no result'})`);
  return lines;
}

/** Time to 300 records against a 600-requests-per-minute endpoint, and the share of 429s, with and without `rpm`. */
export async function benchRateLimit(): Promise<string[]> {
  const outcomes = await Promise.all(configurations.map((configuration, index) => runConfiguration(configuration, index)));
  return [
    `server (child process): ${rpm} requests/min as a token bucket of ${burst} refilling ${rpm / 60}/s; 429 at once with ` +
      `Retry-After (s, rounded up) and retry-after-ms; x-ratelimit-{limit,remaining,reset}-requests on every answer; ` +
      `${latencyMs} ms latency; call limit ${callLimit}; ${records} records; bound ${num(boundMs / 1000)} s, best possible ${num(bestMs / 1000)} s ` +
      `(the burst of ${burst} at once); both configurations run at once, each against its own server`,
    ...outcomes.flatMap(describe),
  ];
}
