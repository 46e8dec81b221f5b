/**
 * Distributed runs as users run them: a private build of the CLI (`privateBuiltCli`), `rxdgt run --queue` (the
 * coordinator) and `rxdgt worker` processes on a Redis of this benchmark's own (Debian's `redis-server` on a free
 * port of 127.0.0.1, nothing saved), the geography task's `openai` generator against a server in another process.
 * Every figure is a ratio within this run; nothing asserts a timing.
 *
 * 1. Scaling: `test-server-process.ts` answering after BENCH_WORKERS_LATENCY_MS (default 400 ms), 1, 2 and 4 workers of
 *    `--concurrency 64`, `call_limit` 64 × workers, BENCH_WORKERS_RECORDS records (default 2,000): records/s over the
 *    task's span (task_results.jsonl) and over the coordinator's whole process, the speed-up against 1 worker, the
 *    share of the bound (64 × workers / latency), and the CPU every process spent during the run (from /proc) as a
 *    share of the machine's. At 400 ms the bound of 4 workers (640/s) needs more CPU than 2 CPUs have (about 6 ms
 *    of CPU per record over all processes): a longer latency makes every point wait on the endpoint alone.
 * 2. A shared rate limit: `rate-limited-server-process.ts` (600 requests/min, a bucket of 10), `rpm: 600` and
 *    `call_limit: 256` on the block, 4 workers, 300 records: the rate the server admitted and the rate it was sent, as
 *    ratios of 600/min, and the share of requests it answered 429.
 * 3. A worker killed with SIGKILL once the server has seen a third of the requests (2 workers, `--lock-duration 2`,
 *    400 records), against the same run without a kill: records written against the target, duplicated `rxdgt_id`s,
 *    LM calls paid but never settled (the server's requests − the ledger's `lm_calls`, which leaves out the workers'
 *    cache hits) in each run, and the time of each.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { TestServerCounters } from '../../lib/testing/test-server.ts';
import type { TaskResult } from '../../lib/store/task-result.ts';
import { type LimitedServerStats, startChildServer } from './child-server.ts';
import { num, openaiGeographyRun, range, scratchDir } from './common.ts';
import { type RedisServer, startRedisServer } from '../helpers/redis-process.ts';
import { type ProcessFigures, type StartedNodeProcess, privateBuiltCli, startNodeProcess } from './node-process.ts';

const latencyMs = Number(process.env['BENCH_WORKERS_LATENCY_MS'] ?? 400);
const perWorker = 64;
const records = Number(process.env['BENCH_WORKERS_RECORDS'] ?? 2000);
const workerCounts = [1, 2, 4] as const;
const rpm = 600;
const limitedRecords = 300;
const limitedWorkers = 4;
const killRecords = 400;
/** Clock ticks per second of /proc/<pid>/stat (`getconf CLK_TCK`: 100 on Linux). */
const ticksPerSecond = 100;

/** Polls `condition` every 20 ms; throws naming `what` after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** CPU time (user + system) of a live process in ms, from /proc; 0 once it is gone. */
function processCpuMs(pid: number | undefined): number {
  try {
    // The fields after the command's `(name)`: state is the 1st, utime the 12th and stime the 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
  } catch {
    return 0;
  }
}

interface TestServerStats {
  readonly cpuMs: number;
  readonly counters: TestServerCounters;
}

/** What one distributed run left behind. */
interface Finished {
  readonly coordinator: ProcessFigures;
  /** task_results.jsonl's start_time → end_time. */
  readonly taskSeconds: number;
  readonly ids: readonly string[];
  readonly result: TaskResult;
  /** CPU ms of the workers and of Redis while the coordinator ran. */
  readonly workersCpuMs: number;
  readonly redisCpuMs: number;
}

/** The benchmark's build, Redis and scratch folder. */
class Cluster {
  private runs = 0;
  /** Every process started, so that a failed measurement leaves none behind. */
  private readonly started = new Set<StartedNodeProcess>();

  constructor(
    readonly cli: string,
    readonly dir: string,
    readonly redis: RedisServer,
  ) {}

  /** Starts `count` workers and resolves once each says it waits for jobs. */
  async startWorkers(count: number, extra: readonly string[] = []): Promise<StartedNodeProcess[]> {
    const tag = `w${(this.runs += 1)}`;
    const workers = Array.from({ length: count }, (_, index) =>
      startNodeProcess([this.cli, 'worker', '--queue', this.redis.url, '--concurrency', String(perWorker), ...extra], { cwd: this.dir, usageFile: join(this.dir, `usage-${tag}-${index}.json`) }),
    );
    for (const worker of workers) {
      this.started.add(worker);
      worker.result.catch(() => undefined);
    }
    await until(() => workers.every((worker) => worker.stderr().includes('waits for jobs') || worker.child.exitCode !== null), 'the workers to start');
    const dead = workers.find((worker) => worker.child.exitCode !== null);
    if (dead) throw new Error(`a worker exited at start: ${dead.stderr().slice(-1000)}`);
    return workers;
  }

  /** SIGTERM to the workers still alive; resolves once all have exited. */
  async stopWorkers(workers: readonly StartedNodeProcess[]): Promise<void> {
    for (const worker of workers) if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.result.catch(() => undefined)));
  }

  /** SIGKILL to every process still alive (after a failure: a worker waits for ever on a Redis that is gone). */
  async kill(): Promise<void> {
    const alive = [...this.started].filter((started) => started.child.exitCode === null && started.child.signalCode === null);
    for (const started of alive) started.child.kill('SIGKILL');
    await Promise.all(alive.map((started) => started.result.catch(() => undefined)));
  }

  /**
   * Runs the coordinator of a `target`-record geography task with `block` on the generator, while `workers` run it;
   * `during` is called with the coordinator's process once it started.
   */
  async run(tag: string, target: number, block: Readonly<Record<string, unknown>>, workers: readonly StartedNodeProcess[], during?: (coordinator: StartedNodeProcess) => Promise<void>): Promise<Finished> {
    const cpuOf = () => ({ workers: workers.reduce((sum, worker) => sum + processCpuMs(worker.child.pid), 0), redis: processCpuMs(this.redis.child.pid) });
    const before = cpuOf();
    const coordinator = startNodeProcess([this.cli, ...openaiGeographyRun(this.dir, tag, target, block), '--queue', this.redis.url, '--quiet'], { cwd: this.dir, usageFile: join(this.dir, `usage-${tag}.json`) });
    this.started.add(coordinator);
    coordinator.result.catch(() => undefined);
    await during?.(coordinator);
    const figures = await coordinator.result;
    const after = cpuOf();
    const out = join(this.dir, `out-${tag}`, 'geo');
    const result = JSON.parse(readFileSync(join(out, 'task_results.jsonl'), 'utf8').trim().split('\n').at(-1)!) as TaskResult;
    const data = join(out, 'data.jsonl');
    const ids = existsSync(data) ? readFileSync(data, 'utf8').split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { rxdgt_id: string }).rxdgt_id) : [];
    return {
      coordinator: figures,
      taskSeconds: (Date.parse(result.end_time ?? '') - Date.parse(result.start_time)) / 1000,
      ids,
      result,
      workersCpuMs: after.workers - before.workers,
      redisCpuMs: after.redis - before.redis,
    };
  }
}

/** LM calls the ledger settled (an input's call whose outcome came back), the workers' cache hits not counted. */
const settledCalls = (result: TaskResult): number => result.metrics?.['lm_calls'] ?? 0;

/** `1,014 / 986`: the records each worker settled (task_results.jsonl's `workers` tallies). */
const perWorkerRecords = (result: TaskResult): string =>
  Object.values(result.workers ?? {})
    .map((tally) => num(tally.records, 0))
    .join(' / ');

async function scaling(cluster: Cluster): Promise<string[]> {
  const server = await startChildServer<TestServerStats>('test-server-process.ts', { LATENCY_MS: String(latencyMs) });
  const lines = [
    `1. scaling: test server in another process answering after ${latencyMs} ms; --concurrency ${perWorker} per worker, call_limit ${perWorker} × workers; ` +
      `${num(records, 0)} records per point; bound = ${perWorker} × workers / ${latencyMs} ms`,
  ];
  try {
    // An untimed run first, so the file cache holds the CLI and its dependencies for every timed run alike.
    const warm = await cluster.startWorkers(1);
    await cluster.run('warm-up', 200, { base_url: server.baseURL, call_limit: perWorker }, warm);
    await cluster.stopWorkers(warm);
    let first: { task: number; process: number } | undefined;
    for (const count of workerCounts) {
      const workers = await cluster.startWorkers(count);
      const start = await server.ask('reset');
      const run = await cluster.run(`scale-${count}`, records, { base_url: server.baseURL, call_limit: perWorker * count }, workers);
      const stats = await server.ask('stats');
      await cluster.stopWorkers(workers);
      const bound = (perWorker * count) / (latencyMs / 1000);
      const task = run.ids.length / run.taskSeconds;
      const whole = run.ids.length / run.coordinator.seconds;
      first ??= { task, process: whole };
      const serverCpuMs = stats.cpuMs - start.cpuMs;
      const cpuMs = run.coordinator.cpuMs + run.workersCpuMs + run.redisCpuMs + serverCpuMs;
      const perRecord = (ms: number) => num(ms / run.ids.length);
      lines.push(
        `  ${count} worker${count === 1 ? ' ' : 's'}: ${num(task)} records/s over the task span (${num(run.taskSeconds)} s) = ${num(task / bound)} of the bound ${num(bound, 0)}/s, ` +
          `speed-up ${num(task / first.task)}x; whole coordinator process ${num(run.coordinator.seconds)} s = ${num(whole)} records/s, speed-up ${num(whole / first.process)}x`,
        `             ${num(run.ids.length, 0)} records (${perWorkerRecords(run.result)} per worker), ${num(stats.counters.requests, 0)} requests, at most ${stats.counters.maxInFlight} in flight; ` +
          `CPU ms per record: coordinator ${perRecord(run.coordinator.cpuMs)}, workers ${perRecord(run.workersCpuMs)}, Redis ${perRecord(run.redisCpuMs)}, server ${perRecord(serverCpuMs)} ` +
          `= ${num((100 * cpuMs) / (run.coordinator.seconds * 1000 * cpus().length), 0)}% of ${cpus().length} CPUs over the process`,
      );
    }
  } finally {
    await server.close();
  }
  return lines;
}

async function sharedRateLimit(cluster: Cluster): Promise<string[]> {
  const server = await startChildServer<LimitedServerStats>('rate-limited-server-process.ts', { RPM: String(rpm), BURST: '10', LATENCY_MS: String(latencyMs) });
  try {
    const workers = await cluster.startWorkers(limitedWorkers);
    await server.ask('reset');
    const run = await cluster.run('limited', limitedRecords, { base_url: server.baseURL, call_limit: perWorker * limitedWorkers, rpm }, workers);
    const stats = await server.ask('stats');
    await cluster.stopWorkers(workers);
    const perMinute = (count: number) => (count / run.taskSeconds) * 60;
    // Whole seconds from the first admission to the last, without those two (partly outside the run).
    const first = stats.admittedPerSecond.findIndex((count) => count > 0);
    const last = stats.admittedPerSecond.findLastIndex((count) => count > 0);
    const inner = stats.admittedPerSecond.slice(first + 1, last);
    return [
      `2. shared rate limit: rate-limited server (${rpm} requests/min, a bucket of 10, ${latencyMs} ms), rpm: ${rpm} and call_limit ${perWorker * limitedWorkers} on the block, ` +
        `${limitedWorkers} workers, ${limitedRecords} records; bound ${num(limitedRecords / (rpm / 60), 0)} s`,
      `  task span ${num(run.taskSeconds)} s (whole coordinator process ${num(run.coordinator.seconds)} s); ${num(run.ids.length, 0)} records (${perWorkerRecords(run.result)} per worker)`,
      `  admitted ${num(perMinute(stats.answered), 0)}/min = ${num(perMinute(stats.answered) / rpm)}x of ${rpm}/min; sent ${num(perMinute(stats.requests), 0)}/min = ${num(perMinute(stats.requests) / rpm)}x; ` +
        `${num(stats.throttled, 0)} of ${num(stats.requests, 0)} requests answered 429 = ${num((100 * stats.throttled) / Math.max(1, stats.requests), 1)}%; ` +
        `admitted per whole second: ${inner.length > 0 ? range(inner, (value) => num(value, 0)) : 'n/a'}`,
    ];
  } finally {
    await server.close();
  }
}

async function killedWorker(cluster: Cluster): Promise<string[]> {
  const server = await startChildServer<TestServerStats>('test-server-process.ts', { LATENCY_MS: String(latencyMs) });
  const block = { base_url: server.baseURL, call_limit: perWorker * 2 };
  const attempt = async (tag: string, kill: boolean) => {
    const workers = await cluster.startWorkers(2, ['--lock-duration', '2']);
    await server.ask('reset');
    let killedAt = 0;
    const run = await cluster.run(tag, killRecords, block, workers, async (coordinator) => {
      if (!kill) return;
      await until(async () => coordinator.child.exitCode !== null || (killedAt = (await server.ask('stats')).counters.requests) >= killRecords / 3, 'a third of the requests', 120_000);
      workers[0]!.child.kill('SIGKILL');
    });
    const stats = await server.ask('stats');
    await cluster.stopWorkers(workers);
    const unsettled = stats.counters.requests - settledCalls(run.result);
    return { run, requests: stats.counters.requests, unsettled, killedAt };
  };
  try {
    const calm = await attempt('calm', false);
    const killed = await attempt('killed', true);
    const { run } = killed;
    return [
      `3. kill -9 of one of 2 workers (--lock-duration 2, call_limit ${perWorker * 2}, ${latencyMs} ms) once the server saw ${killed.killedAt} of ${num(killRecords, 0)} records' requests:`,
      `  ${num(run.ids.length, 0)} records in data.jsonl of ${num(killRecords, 0)} (${num(killRecords - run.ids.length, 0)} lost); ${run.ids.length - new Set(run.ids).size} duplicated rxdgt_id; ` +
        `per worker ${perWorkerRecords(run.result)}`,
      `  LM calls paid but not settled (server requests − the ledger's lm_calls, i.e. − records − rejections that cost a call): ${killed.unsettled} with the kill ` +
        `(${killed.requests} requests), ${calm.unsettled} without (${calm.requests} requests): ${killed.unsettled - calm.unsettled} paid twice because of the kill`,
      `  time with the kill: task span ${num(run.taskSeconds)} s = ${num(run.taskSeconds / calm.run.taskSeconds)}x the run without (${num(calm.run.taskSeconds)} s); ` +
        `whole coordinator process ${num(run.coordinator.seconds)} s = ${num(run.coordinator.seconds / calm.run.coordinator.seconds)}x (${num(calm.run.coordinator.seconds)} s)`,
    ];
  } finally {
    await server.close();
  }
}

/**
 * Builds the CLI privately and runs the three measurements in turn, each on a fresh Redis: BullMQ looks for a dead
 * worker's jobs at most once per the `stalledInterval` of whichever worker looked last (a key in Redis), so workers
 * of the default 30 s lock left on the same queue would hold up the `--lock-duration 2` recovery of the third.
 */
export async function benchWorkers(): Promise<string[]> {
  if (!existsSync('/usr/bin/redis-server')) return ['  /usr/bin/redis-server is missing (apt-get install redis-server): this benchmark needs a Redis of its own'];
  const scratch = await scratchDir('workers');
  try {
    const cli = privateBuiltCli(scratch.path);
    const lines: string[] = [];
    for (const measure of [scaling, sharedRateLimit, killedWorker]) {
      const redis = await startRedisServer();
      const cluster = new Cluster(cli, scratch.path, redis);
      try {
        lines.push(...(await measure(cluster)));
      } finally {
        await cluster.kill();
        await redis.stop();
      }
    }
    return lines;
  } finally {
    await scratch.remove();
  }
}
