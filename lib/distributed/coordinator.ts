import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { Observable } from 'rxjs';
import { ConfigError } from '../errors/config-error.ts';
import { WorkerJobError } from '../errors/worker-job-error.ts';
import { packageVersion } from '../package-version.ts';
import { hashHex } from '../random.ts';
import { redactUrl } from '../redact-url.ts';
import type { DataPoint, Outcome, Restored } from '../record.ts';
import type { RunSettings } from '../run/prepare-run.ts';
import type { RemoteBuilders, RemoteTask } from '../run/remote-builders.ts';
import { type Builder, withPostprocess } from '../run/task-options.ts';
import {
  type InputJob,
  type InputJobResult,
  coordinatorKey,
  coordinatorSeconds,
  definitionKey,
  definitionPathProblem,
  definitionSeconds,
  inputJobId,
  queueName,
  runDefinitionHash,
  runDefinitionOf,
  taskDefinitionHash,
} from './input-job.ts';
import { connectRedis, queuePackage } from './redis-connection.ts';

/** Inputs a task keeps queued per input one process would run at once: enough for several workers to stay busy. */
const inputsPerCallLimit = 8;

/** Restored records per restore job. */
const restoreChunk = 500;

/** How often the coordinator asks for the state of jobs it has heard nothing of (an event missed, a reconnect). */
const sweepMs = 5000;

/** Jobs asked about per sweep (the next ones at the next sweep). */
const sweepBatch = 200;

/** How long Redis may stay unreachable before the run fails (its inputs would otherwise wait for ever). */
const redisDownMs = 60_000;

/** A job the coordinator waits for. */
interface Waiting {
  readonly data: InputJob;
  readonly resolve: (result: InputJobResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The side of a distributed run that keeps the tasks (`rxdgt run --queue redis://...`): each task's inputs go to the
 * queue as BullMQ jobs keyed by the task, the run and the input id; workers (`rxdgt worker`) run the builder on them
 * and this process settles their outcomes in the task's ledger, as a run in one process does. The run's definition
 * (its settings, without the environment) is in Redis for the workers to load the same tasks.
 *
 * ## Example
 * ```ts
 * const coordinator = await Coordinator.open('redis://127.0.0.1:6379', settings);
 * const run = await prepareRun({ ...settings, remote: coordinator });
 * runTasks(run.tasks).subscribe({ complete: () => void coordinator.close() });
 * ```
 */
export class Coordinator implements RemoteBuilders {
  private readonly waiting = new Map<string, Waiting>();
  private readonly sweep: NodeJS.Timeout;
  private readonly heartbeat: NodeJS.Timeout;
  /** Removals of jobs nobody waits for, awaited before the connection closes. */
  private readonly removals = new Set<Promise<unknown>>();
  /** Where the next sweep starts among the awaited jobs, whether one runs, and since when Redis has been down. */
  private sweepFrom = 0;
  private sweeping = false;
  private downSince: number | undefined;

  private constructor(
    private readonly redis: Redis,
    private readonly queue: Queue<InputJob, InputJobResult>,
    private readonly events: QueueEvents,
    /** Hash of the run's definition in Redis. */
    private readonly run: string,
    /** Names this run apart from earlier runs of the same tasks in job ids and shared state. */
    private readonly runId: string,
    /** The Redis URL, its password hidden. */
    private readonly shown: string,
  ) {
    events.on('completed', ({ jobId, returnvalue }) => this.completed(jobId, returnvalue));
    // A failed attempt is retried unless it was the last (or a refusal): only a job in the failed set fails the input.
    events.on('failed', ({ jobId }) => void this.check(jobId));
    this.sweep = setInterval(() => void this.sweepWaiting(), sweepMs).unref();
    this.heartbeat = setInterval(() => void redis.set(coordinatorKey(runId), '1', 'EX', coordinatorSeconds).catch(() => undefined), (coordinatorSeconds * 1000) / 6).unref();
  }

  /**
   * Connects (a PING first: an unreachable Redis is an error within seconds naming it) and puts the run's definition
   * in Redis.
   * @throws {Error} when Redis is unreachable
   */
  static async open(url: string, settings: RunSettings): Promise<Coordinator> {
    const shown = redactUrl(url);
    const problem = definitionPathProblem(settings);
    if (problem !== undefined) throw new ConfigError(problem, { field: '--queue' });
    const { Queue: BullQueue, QueueEvents: BullQueueEvents } = await queuePackage(() => import('bullmq'));
    const redis = await connectRedis(url);
    const definition = runDefinitionOf(settings);
    const run = runDefinitionHash(definition);
    await redis.set(definitionKey(run), JSON.stringify(definition), 'EX', definitionSeconds);
    // BullMQ's events stream keeps its last 10,000 events (each completion carries its outcomes): one missed by a
    // coordinator reading late is caught by the sweep.
    const queue = new BullQueue<InputJob, InputJobResult>(queueName, { connection: redis });
    const events = new BullQueueEvents(queueName, { connection: redis.duplicate() });
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const runId = randomUUID().slice(0, 8);
    await redis.set(coordinatorKey(runId), '1', 'EX', coordinatorSeconds);
    return new Coordinator(redis, queue, events, run, runId, shown);
  }

  /** Workers listening on the queue now. */
  async workers(): Promise<number> {
    return (await this.queue.getWorkers()).length;
  }

  inputsInFlight(local: number): number {
    return local * inputsPerCallLimit;
  }

  builderFor<In>(local: Builder<In>, task: RemoteTask): Builder<In> {
    const definition = taskDefinitionHash(task.card);
    const scope = `${taskScope(task.dir)}-${this.runId}`;
    const job = (kind: InputJob['kind'], outcomes: readonly Outcome<unknown>[]): InputJob => ({
      version: packageVersion(),
      run: this.run,
      task: task.name,
      definition,
      scope,
      coordinator: this.runId,
      kind,
      outcomes,
    });
    const remote = (source: Observable<Outcome<In>>): Observable<Outcome<DataPoint>> =>
      new Observable<Outcome<DataPoint>>((subscriber) => {
        const restored: Restored[] = [];
        let ready: Promise<void> | undefined;
        let running = 0;
        let sourceDone = false;
        const pending = new Set<string>();
        const subscription = source.subscribe({
          next: (outcome) => {
            // Records of an earlier run go first, through one worker's builder, so that shared dedupe state knows them.
            if (outcome.status === 'restored') return void restored.push(outcome);
            ready ??= this.restore(scope, restored.splice(0), job, pending);
            running += 1;
            const id = inputJobId(scope, outcome.id);
            pending.add(id);
            ready
              .then(() => this.submit(id, job('input', [outcome])))
              .then(
                (result) => {
                  pending.delete(id);
                  for (const made of result.outcomes) if (!subscriber.closed) subscriber.next({ ...made, worker: result.worker });
                  running -= 1;
                  if (sourceDone && running === 0) subscriber.complete();
                },
                (error: unknown) => subscriber.error(error),
              );
          },
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            sourceDone = true;
            if (running === 0) subscriber.complete();
          },
        });
        return () => {
          subscription.unsubscribe();
          // A stopped task: its jobs still waiting are taken back (those running finish, unheard).
          for (const id of pending) this.forget(id);
        };
      });
    // Postprocessors need every record: they run here, when the task ends.
    return local.postprocess ? withPostprocess<In>(remote, local.postprocess) : remote;
  }

  /** Stops listening and disconnects; jobs still queued stay for a rerun to take back (they expire with the run). */
  async close(): Promise<void> {
    clearInterval(this.sweep);
    clearInterval(this.heartbeat);
    for (const waiting of this.waiting.values()) waiting.reject(new Error('the coordinator closed'));
    this.waiting.clear();
    await Promise.allSettled([...this.removals]);
    // Workers drop whatever of this run is still queued.
    await this.redis.del(coordinatorKey(this.runId)).catch(() => undefined);
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }

  /** Sends restored records in chunks, one after another, and waits until a worker passed them all through. */
  private async restore(scope: string, records: readonly Restored[], job: (kind: InputJob['kind'], outcomes: readonly Outcome<unknown>[]) => InputJob, pending: Set<string>): Promise<void> {
    for (let start = 0; start < records.length; start += restoreChunk) {
      const id = inputJobId(scope, `restore-${start}`);
      pending.add(id);
      await this.submit(id, job('restore', records.slice(start, start + restoreChunk)));
      pending.delete(id);
    }
  }

  private submit(id: string, data: InputJob): Promise<InputJobResult> {
    const settled = new Promise<InputJobResult>((resolve, reject) => this.waiting.set(id, { data, resolve, reject }));
    this.enqueue(id, data);
    return settled;
  }

  /** Adds a job (again: a job id already there is left as it is). */
  private enqueue(id: string, data: InputJob): void {
    // Retried on a worker's failure (not on a refusal: UnrecoverableError); a job whose worker died is taken by another.
    // Ended jobs go from Redis after a while (their outcomes are taken as they end; a coordinator that died takes none).
    const options = { jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86_400 } };
    this.queue.add(data.kind, data, options).catch((error: unknown) => this.settle(id, error));
  }

  private completed(id: string, value: unknown): void {
    // A job read while it ran has no value yet: its event (or the next sweep) brings it.
    if (!this.waiting.has(id) || value === null || value === undefined) return;
    this.settle(id, undefined, (typeof value === 'string' ? JSON.parse(value) : value) as InputJobResult);
    // Its outcomes are in hand: the job goes.
    this.queue.remove(id).catch(() => undefined);
  }

  /**
   * Settles an awaited job by its state in Redis: its value once completed, its reason once failed for good (not a
   * failed attempt that is retried), added again when Redis no longer has it (a Redis that restarted empty).
   */
  private async check(id: string): Promise<void> {
    const state = await this.queue.getJobState(id).catch(() => 'error');
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    if (state === 'unknown') return this.enqueue(id, waiting.data);
    if (state !== 'completed' && state !== 'failed') return;
    const job = await this.queue.getJob(id).catch(() => undefined);
    if (state === 'completed') this.completed(id, job?.returnvalue);
    else if (job) this.failed(id, job.failedReason);
  }

  private failed(id: string, reason: string): void {
    if (!this.waiting.has(id)) return;
    this.settle(id, new WorkerJobError(reason));
  }

  private settle(id: string, error: unknown, result?: InputJobResult): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    if (error !== undefined) waiting.reject(error);
    else waiting.resolve(result!);
  }

  /** Takes back a job nobody waits for any more (a waiting job is removed; a running one cannot be and finishes). */
  private forget(id: string): void {
    this.waiting.delete(id);
    const removal = this.queue.remove(id).catch(() => undefined);
    this.removals.add(removal);
    void removal.finally(() => this.removals.delete(removal));
  }

  /**
   * Asks, a batch of jobs at a time, whether awaited jobs ended unheard (an event trimmed or lost in a reconnect) or
   * are gone (a Redis that restarted empty: added again). A Redis down for a minute fails the run.
   */
  private async sweepWaiting(): Promise<void> {
    if (this.redis.status !== 'ready') {
      this.downSince ??= Date.now();
      if (Date.now() - this.downSince < redisDownMs) return;
      const error = new Error(`Redis at ${this.shown} has been unreachable for ${redisDownMs / 1000} s: the inputs on the queue are given up`);
      for (const id of [...this.waiting.keys()]) this.settle(id, error);
      return;
    }
    this.downSince = undefined;
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const ids = [...this.waiting.keys()];
      if (this.sweepFrom >= ids.length) this.sweepFrom = 0;
      const batch = ids.slice(this.sweepFrom, this.sweepFrom + sweepBatch);
      this.sweepFrom += sweepBatch;
      for (const id of batch) await this.check(id);
    } finally {
      this.sweeping = false;
    }
  }
}

/** A task folder's name in job ids and Redis keys: a hash of its absolute path (no `:` and no user path in Redis). */
function taskScope(dir: string): string {
  return hashHex(resolve(dir), 16);
}
