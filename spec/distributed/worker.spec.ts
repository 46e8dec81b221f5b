import { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InputJob, coordinatorKey, queueName } from '../../lib/distributed/input-job.ts';
import { type RunningWorker, startWorker } from '../../lib/distributed/worker.ts';
import { packageVersion } from '../../lib/package-version.ts';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.ts';

const job = (overrides: Partial<InputJob>): InputJob => ({
  version: packageVersion(),
  run: 'no-such-run',
  task: 'geo',
  definition: 'd',
  scope: 's',
  coordinator: 'c1',
  kind: 'input',
  outcomes: [{ status: 'accepted', id: '0-ab', record: {} }],
  ...overrides,
});

describe.skipIf(!redisAvailable)('startWorker', () => {
  const redisUrl = useRedisServer();
  let worker: RunningWorker;
  let queue: Queue<InputJob>;
  let redis: Redis;
  const lines: string[] = [];

  beforeAll(async () => {
    worker = await startWorker({ url: redisUrl(), log: (line) => lines.push(line) });
    redis = new Redis(redisUrl());
    queue = new Queue<InputJob>(queueName, { connection: redis });
  });
  afterAll(async () => {
    await queue.close();
    await worker.close();
    redis.disconnect();
  });

  /** Adds a job and waits until it failed for good; its reason. */
  async function failedReason(id: string, data: InputJob): Promise<string> {
    await queue.add('input', data, { jobId: id });
    while ((await queue.getJobState(id)) !== 'failed') await new Promise((resolve) => setTimeout(resolve, 20));
    return (await Job.fromId(queue, id))!.failedReason;
  }

  it('names itself <host>:<pid> and says it waits for jobs', () => {
    expect(worker.name).toMatch(new RegExp(`:${process.pid}$`));
    expect(lines.some((line) => line.includes(`worker ${worker.name} (rxdgt ${packageVersion()}) waits for jobs`))).toBe(true);
  });

  it('refuses a job of another rxdgt version, not retried', async () => {
    const reason = await failedReason('old-version', job({ version: '0.0.1' }));
    expect(reason).toBe(`worker ${worker.name} runs rxdgt ${packageVersion()}, the run rxdgt 0.0.1: start workers of the coordinator's version`);
    expect((await Job.fromId(queue, 'old-version'))!.attemptsMade).toBe(1);
  });

  it('drops the input of a coordinator that is gone, and refuses a run whose definition is not in Redis', async () => {
    expect(await failedReason('orphan', job({ coordinator: 'gone' }))).toBe('the coordinator of this run is gone: input dropped');
    await redis.set(coordinatorKey('c1'), '1', 'EX', 60);
    expect(await failedReason('unknown-run', job({}))).toBe("the run's definition no-such-run is not in Redis (expired, or another Redis database)");
    expect(lines.filter((line) => line.startsWith('refused job')).length).toBeGreaterThanOrEqual(3);
  });
});
