/**
 * Saturation: how close the geography QA pipeline over `createOpenAI` (pooled keep-alive connections) gets to an endpoint's bound
 * (`call_limit / latency`), next to a hand-written loop doing the same requests. The test server runs in
 * a child process, so the client CPU figures are the client's alone.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { count, lastValueFrom } from 'rxjs';
import { createOpenAI } from '../../lib/providers/openai/openai-model.ts';
import { type TestServerCounters, startTestServer } from '../../lib/testing/test-server.ts';
import { repoRoot, startChildServer } from './child-server.ts';
import { cpuMsSince, geographyBenchTask, geographySeeds, mean, num, range, scratchDir } from './common.ts';

const latencyMs = 50;
const callLimit = 64;
const records = Number(process.env['BENCH_SATURATION_RECORDS'] ?? 3_000);
const warmUpRecords = 500;
/** Measured runs per contender, in alternating order so drift on a shared machine hits both alike. */
const rounds = 3;
const bound = callLimit / (latencyMs / 1000);

interface ServerStats {
  /** The server process's CPU so far; undefined when it shares the benchmark's process. */
  readonly cpuMs: number | undefined;
  readonly counters: TestServerCounters;
}

interface BenchServer {
  readonly baseURL: string;
  readonly where: 'child process' | 'in process';
  /** Zeroes the request counters and returns the stats at that point. */
  reset(): Promise<ServerStats>;
  stats(): Promise<ServerStats>;
  close(): Promise<void>;
}

/** Starts `test-server-process.ts` in a child process. */
async function startChildTestServer(): Promise<BenchServer> {
  const child = await startChildServer<ServerStats>('test-server-process.ts', { LATENCY_MS: String(latencyMs) });
  return {
    baseURL: child.baseURL,
    where: 'child process',
    reset: () => child.ask('reset'),
    stats: () => child.ask('stats'),
    close: () => child.close(),
  };
}

/** The fallback: the server inside the benchmark's own process (its CPU then counts as the client's). */
async function startInProcessServer(): Promise<BenchServer> {
  const server = await startTestServer({ latencyMs, recordRequests: false });
  const stats = async (): Promise<ServerStats> => ({ cpuMs: undefined, counters: server.counters });
  return {
    baseURL: server.baseURL,
    where: 'in process',
    reset: async () => {
      server.resetCounters();
      return stats();
    },
    stats,
    close: () => server.close(),
  };
}

interface Run {
  /** Records written to the output file. */
  readonly records: number;
  readonly requests: number;
  readonly wallMs: number;
  /** This process's CPU: the client (and the server too when it runs in process). */
  readonly clientCpuMs: number;
  readonly serverCpuMs: number | undefined;
}

/** Runs `body` between two reads of the server's stats; `body` returns how many records it kept. */
async function measure(server: BenchServer, body: () => Promise<number>): Promise<Run> {
  const before = await server.reset();
  const cpu = process.cpuUsage();
  const start = performance.now();
  const kept = await body();
  const wallMs = performance.now() - start;
  const clientCpuMs = cpuMsSince(cpu);
  const after = await server.stats();
  const serverCpuMs = after.cpuMs === undefined || before.cpuMs === undefined ? undefined : after.cpuMs - before.cpuMs;
  return { records: kept, requests: after.counters.requests, wallMs, clientCpuMs, serverCpuMs };
}

/** rxdgt: the geography QA task over `createOpenAI`, appending to its `data.jsonl`. */
async function runRxdgt(server: BenchServer, target: number): Promise<Run> {
  const dir = await scratchDir('saturation-rxdgt');
  try {
    const model = createOpenAI({ baseURL: server.baseURL, modelId: 'test-model', apiKey: 'k' });
    const task = geographyBenchTask(model, callLimit, target, dir.path);
    return await measure(server, () => lastValueFrom(task.run().pipe(count())));
  } finally {
    await dir.remove();
  }
}

/** A tiny p-limit: at most `limit` of the returned function's calls run at once, in call order. */
function limiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  const queue: (() => void)[] = [];
  let head = 0;
  let active = 0;
  const next = (): void => {
    if (active >= limit || head >= queue.length) return;
    active += 1;
    const start = queue[head]!;
    queue[head++] = () => {};
    start();
  };
  return <T>(work: () => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push(() => {
        work()
          .then(resolve, reject)
          .finally(() => {
            active -= 1;
            next();
          });
      });
      next();
    });
}

/** The loop people write by hand: openai SDK + a limiter, parse, exact dedupe in a Set, `appendFile` per record. */
async function runBaseline(server: BenchServer, target: number, template: string): Promise<Run> {
  const dir = await scratchDir('saturation-baseline');
  try {
    const client = new OpenAI({ baseURL: server.baseURL, apiKey: 'k', maxRetries: 0 });
    const path = join(dir.path, 'data.jsonl');
    const limit = limiter(callLimit);
    const seen = new Set<string>();
    let kept = 0;
    const one = async (): Promise<void> => {
      const examples = Array.from({ length: 3 }, () => geographySeeds[Math.floor(Math.random() * geographySeeds.length)]!)
        .map((example) => `Question: ${String(example['question'])}\nAnswer: ${String(example['answer'])}`)
        .join('\n\n');
      const completion = await client.chat.completions.create({
        model: 'test-model',
        messages: [{ role: 'user', content: template.replace('{{ examples }}', examples) }],
      });
      const [head, answer, ...extra] = (completion.choices[0]?.message.content ?? '').split('Answer:');
      const question = head?.split('Question:').at(-1)?.trim();
      if (!question || !answer?.trim() || extra.length > 0 || seen.has(question)) return;
      seen.add(question);
      await appendFile(path, `${JSON.stringify({ task_name: 'geo', is_seed: false, question, answer: answer.trim() })}\n`);
      kept += 1;
    };
    return await measure(server, async () => {
      await Promise.all(Array.from({ length: target }, () => limit(one)));
      return kept;
    });
  } finally {
    await dir.remove();
  }
}

/** Records/s against a 50 ms endpoint with 64 calls in flight, for rxdgt and a hand-written loop. */
export async function benchSaturation(): Promise<string[]> {
  const lines: string[] = [];
  let server: BenchServer | undefined;
  // BENCH_SERVER=in-process skips the child process (the fallback when it cannot start).
  if (process.env['BENCH_SERVER'] === 'in-process') lines.push('  (BENCH_SERVER=in-process: the server runs in this process)');
  else {
    try {
      server = await startChildTestServer();
    } catch (error) {
      lines.push(`  (could not start the server in a child process: ${error instanceof Error ? error.message : String(error)}; running it in process)`);
    }
  }
  server ??= await startInProcessServer();
  try {
    const template = await readFile(join(repoRoot, 'builders', 'geography-qa', 'prompt_templates', 'prompt.txt'), 'utf8');
    if (!template.includes('{{ examples }}')) throw new Error('builders/geography-qa/prompt_templates/prompt.txt no longer has `{{ examples }}`');
    await runRxdgt(server, warmUpRecords);
    await runBaseline(server, warmUpRecords, template);
    const rxdgt: Run[] = [];
    const baseline: Run[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const order = round % 2 === 0 ? (['rxdgt', 'baseline'] as const) : (['baseline', 'rxdgt'] as const);
      for (const who of order) {
        if (who === 'rxdgt') rxdgt.push(await runRxdgt(server, records));
        else baseline.push(await runBaseline(server, records, template));
      }
    }
    for (const run of [...rxdgt, ...baseline]) {
      if (run.records !== records) lines.push(`  WARNING: a run kept ${run.records} records of ${records} (${run.requests} requests)`);
    }
    const perSecond = (run: Run): number => run.records / (run.wallMs / 1000);
    const cpuPerCall = (run: Run): number => run.clientCpuMs / run.requests;
    const describe = (runs: readonly Run[]): string =>
      `${range(runs.map(perSecond))} records/s = ${range(runs.map((run) => perSecond(run) / bound))} of the bound; ` +
      `client CPU ${range(runs.map(cpuPerCall))} ms/call (${range(runs.map((run) => run.clientCpuMs / run.wallMs))} cores); ` +
      `${range(runs.map((run) => run.requests))} requests`;
    const serverCpu = [...rxdgt, ...baseline].flatMap((run) => (run.serverCpuMs === undefined ? [] : [run.serverCpuMs / run.requests]));
    lines.unshift(
      `test server ${server.where}, ${latencyMs} ms latency; call limit ${callLimit}; ${num(records)} records per run; ` +
        `${rounds} runs each in alternating order after a ${warmUpRecords}-record warm-up of each; bound ${callLimit} / ${latencyMs / 1000} s = ${num(bound)}/s`,
    );
    lines.push(
      `  rxdgt (geographyQa, createOpenAI, engine cache off): ${describe(rxdgt)}`,
      `  hand-written (openai SDK, inline limiter of ${callLimit}, parse, Set dedupe, fs.appendFile per record): ${describe(baseline)}`,
      `  rxdgt / hand-written: ${num(mean(rxdgt.map(perSecond)) / mean(baseline.map(perSecond)))}x the records/s, ` +
        `${num(mean(rxdgt.map(cpuPerCall)) / mean(baseline.map(cpuPerCall)))}x the client CPU per call (means over the runs)`,
      serverCpu.length > 0
        ? `  server CPU ${range(serverCpu)} ms/request, in its own process: not in the client figures`
        : `  the server runs in this process: its CPU is inside the client CPU figures`,
    );
    return lines;
  } finally {
    await server.close();
  }
}
