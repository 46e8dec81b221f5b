import { hostname } from 'node:os';
import type { Job, Worker } from 'bullmq';
import { errorMessage } from '../error-message.ts';
import { shareAdmissions } from '../model/admission-registry.ts';
import { packageVersion } from '../package-version.ts';
import type { Restored } from '../record.ts';
import { type PreparedRun, prepareRun } from '../run/prepare-run.ts';
import { type InputJob, type InputJobResult, type RunDefinition, coordinatorKey, definitionKey, definitionPathProblem, queueName, taskDefinitionHash } from './input-job.ts';
import { shareDedupe, withDedupeScope } from './dedupe-sharing.ts';
import { InputPipeline } from './input-pipeline.ts';
import { redisSharedLimitsFactory } from './redis-shared-limits-factory.ts';
import { redisKeptLog } from './redis-kept-log.ts';
import { connectRedis, queuePackage } from './redis-connection.ts';

/** Settings of {@link startWorker}. */
export interface WorkerOptions {
  /** The Redis the coordinators enqueue on: `redis://HOST:PORT[/DB]`. */
  readonly url: string;
  /** Inputs this worker runs at once (over every task); LM calls are capped by the engines' `call_limit` besides. @default 64 */
  readonly concurrency?: number | undefined;
  /**
   * Milliseconds a job stays this worker's without a renewal of its lock (renewed at half of it while the job runs):
   * a worker killed mid-job has its jobs taken by another after this, and at most this. @default 30000
   */
  readonly lockDuration?: number | undefined;
  /** Where the task files' paths resolve, as the coordinator's did in its folder. @default process.cwd() */
  readonly cwd?: string | undefined;
  /** The environment task files read (`${VAR}`) and engines take keys from. @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** A line for the operator: the worker started, refused a job, lost a builder. */
  readonly log?: ((line: string) => void) | undefined;
}

/** A started worker. */
export interface RunningWorker {
  /** `<host>:<pid>`: how outcomes, `task_results.jsonl` and the monitor name this worker. */
  readonly name: string;
  /** Stops taking jobs, lets those running finish, and disconnects. */
  close(): Promise<void>;
}

/** How long a coordinator seen alive is taken to be (its key in Redis lasts two minutes past its last refresh). */
const aliveCheckMs = 10_000;

/** Minutes a task's builder stays made in a worker after its last job. */
const idleMinutes = 10;

/**
 * Starts a worker of distributed runs (`rxdgt worker --queue redis://...`): it takes input jobs from the queue that
 * `rxdgt run --queue` fills, makes each job's task as the coordinator did (the task files at the same paths under
 * its own folder, the keys from its own environment), runs the input through the task's builder and returns the
 * outcomes. A job from another rxdgt version, or of a task whose files this worker loads differently, is refused
 * with the reason (the coordinator's run fails with it); a worker killed mid-job has its jobs taken by another.
 *
 * ## Example
 * ```ts
 * const worker = await startWorker({ url: 'redis://127.0.0.1:6379', concurrency: 32 });
 * process.once('SIGTERM', () => void worker.close());
 * ```
 * @throws {Error} when Redis is unreachable (named, its password hidden)
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { Worker: BullWorker, UnrecoverableError } = await queuePackage(() => import('bullmq'));
  const redis = await connectRedis(options.url);
  // Dedupe blocks keep what they kept in Redis, per task run and block: a duplicate made on another worker is caught.
  shareDedupe((scope) => redisKeptLog(redis, scope));
  // Every credential's limits (call_limit, rpm, tpm, learned limits, pauses) are those of all workers together.
  shareAdmissions(redisSharedLimitsFactory(redis));
  const name = `${hostname()}:${process.pid}`;
  const log = options.log ?? (() => undefined);
  const runs = new Map<string, { prepared: Promise<PreparedRun>; used: number }>();
  const pipelines = new Map<string, { pipeline: InputPipeline; run: string; used: number }>();
  /** When each coordinator was last seen alive: asked of Redis at most every few seconds, not once per input. */
  const seenAlive = new Map<string, number>();
  const coordinatorAlive = async (coordinator: string): Promise<boolean> => {
    if (Date.now() - (seenAlive.get(coordinator) ?? Number.NEGATIVE_INFINITY) < aliveCheckMs) return true;
    if ((await redis.exists(coordinatorKey(coordinator))) === 0) return false;
    seenAlive.set(coordinator, Date.now());
    return true;
  };

  /** The run of a definition, made once per worker (its engines shared by its jobs). */
  const runOf = (hash: string): Promise<PreparedRun> => {
    const known = runs.get(hash);
    if (known) {
      known.used = Date.now();
      return known.prepared;
    }
    const prepared = (async () => {
      const text = await redis.get(definitionKey(hash));
      if (text === null) throw new UnrecoverableError(`the run's definition ${hash} is not in Redis (expired, or another Redis database)`);
      const definition = JSON.parse(text) as RunDefinition;
      const problem = definitionPathProblem(definition.settings);
      if (problem !== undefined) throw new UnrecoverableError(`the run's definition is refused: ${problem}`);
      return prepareRun({ ...definition.settings, cwd: options.cwd ?? process.cwd(), env: options.env ?? process.env });
    })();
    runs.set(hash, { prepared, used: Date.now() });
    // A definition that failed to load is tried again by the next job (the files may be fixed meanwhile).
    prepared.catch(() => runs.delete(hash));
    return prepared;
  };

  const pipelineOf = async (job: InputJob): Promise<InputPipeline> => {
    const known = pipelines.get(job.scope);
    if (known?.pipeline.usable) {
      known.used = Date.now();
      const run = runs.get(known.run);
      if (run) run.used = known.used;
      return known.pipeline;
    }
    // A pipeline whose builder failed lets go of it (its calls in flight end) before a new one is made.
    known?.pipeline.close();
    const run = await runOf(job.run);
    const task = run.tasks.find((candidate) => candidate.name === job.task);
    if (!task) {
      const failed = run.failed.find((failure) => failure.error.message.includes(job.task));
      throw new UnrecoverableError(`worker ${name} cannot load task \`${job.task}\`${failed ? `: ${errorMessage(failed.error)}` : ' (its task files are not where the coordinator read them)'}`);
    }
    if (taskDefinitionHash(task.card) !== job.definition) {
      throw new UnrecoverableError(`worker ${name} loads task \`${job.task}\` differently from the coordinator: its task or builder files differ (another checkout or an edit); start workers on the same files`);
    }
    const pipeline = new InputPipeline(run.builderOf(task), (start) => withDedupeScope(job.scope, start));
    pipelines.set(job.scope, { pipeline, run: job.run, used: Date.now() });
    return pipeline;
  };

  const work = async (job: Job<InputJob, InputJobResult>): Promise<InputJobResult> => {
    const data = job.data;
    try {
      if (data.version !== packageVersion()) {
        throw new UnrecoverableError(`worker ${name} runs rxdgt ${packageVersion()}, the run rxdgt ${data.version}: start workers of the coordinator's version`);
      }
      // The coordinator is gone (killed, or stopped its task): its queued inputs would be paid for nothing.
      if (!(await coordinatorAlive(data.coordinator))) throw new UnrecoverableError(`the coordinator of this run is gone: input dropped`);
      const pipeline = await pipelineOf(data);
      if (data.kind === 'restore') {
        await pipeline.restore(data.outcomes as readonly Restored[]);
        return { worker: name, outcomes: [] };
      }
      return { worker: name, outcomes: await pipeline.process(data.outcomes[0]!) };
    } catch (error) {
      // What goes back to Redis (BullMQ keeps it as the job's failed reason) is the message with credentials hidden,
      // without a stack.
      const message = errorMessage(error);
      if (error instanceof UnrecoverableError) {
        log(`refused job ${job.id}: ${message}`);
        throw withoutStack(new UnrecoverableError(message));
      }
      log(`job ${job.id} failed: ${message}`);
      throw withoutStack(new Error(message));
    }
  };

  const lockDuration = options.lockDuration ?? 30_000;
  const worker: Worker<InputJob, InputJobResult> = new BullWorker<InputJob, InputJobResult>(queueName, work, {
    connection: redis,
    concurrency: options.concurrency ?? 64,
    lockDuration,
    // Stalled jobs (their worker gone) are looked for as often as a lock lapses; a job survives a few such losses.
    stalledInterval: lockDuration,
    maxStalledCount: 5,
    name,
  });
  worker.on('error', (error) => log(`queue error: ${errorMessage(error)}`));
  await worker.waitUntilReady();
  // Builders and runs not used for a while are let go (a long-lived worker serves many runs).
  const sweep = setInterval(() => {
    const before = Date.now() - idleMinutes * 60_000;
    for (const [scope, entry] of pipelines) {
      if (entry.used >= before) continue;
      entry.pipeline.close();
      pipelines.delete(scope);
    }
    for (const [coordinator, seen] of seenAlive) if (seen < before) seenAlive.delete(coordinator);
    const inUse = new Set([...pipelines.values()].map((entry) => entry.run));
    for (const [hash, entry] of runs) {
      if (entry.used >= before || inUse.has(hash)) continue;
      runs.delete(hash);
      void entry.prepared.then((run) => run.close(), () => undefined);
    }
  }, 60_000).unref();
  log(`worker ${name} (rxdgt ${packageVersion()}) waits for jobs, ${options.concurrency ?? 64} at once`);
  return {
    name,
    close: async () => {
      clearInterval(sweep);
      await worker.close();
      for (const { pipeline } of pipelines.values()) pipeline.close();
      await Promise.all([...runs.values()].map(({ prepared }) => prepared.then((run) => run.close(), () => undefined)));
      shareDedupe(undefined);
      shareAdmissions(undefined);
      redis.disconnect();
    },
  };
}

/** An error as it goes to Redis: its message only. */
function withoutStack<E extends Error>(error: E): E {
  error.stack = `${error.name}: ${error.message}`;
  return error;
}
