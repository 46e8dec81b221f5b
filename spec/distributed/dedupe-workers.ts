/**
 * What the shared-dedupe specs share: "workers" in one process, each a pipeline of its own operator subscribed on
 * its own ioredis client inside `withDedupeScope`, fed one outcome at a time.
 */
import { Redis } from 'ioredis';
import { type MonoTypeOperatorFunction, Subject, type Subscription } from 'rxjs';
import { afterEach } from 'vitest';
import { shareDedupe, withDedupeScope } from '../../lib/distributed/dedupe-sharing.ts';
import { redisKeptLog } from '../../lib/distributed/redis-kept-log.ts';
import type { Outcome } from '../../lib/record.ts';

/** One worker's pipeline: `send` resolves the outcome the block gives for the one sent (in order). */
export interface DedupeWorker<T> {
  send(outcome: Outcome<T>): Promise<Outcome<T>>;
}

let taskCount = 0;

/** A task key no other test of the run uses, so each test starts with empty logs. */
export const freshTaskKey = (): string => `task-${process.pid}-${++taskCount}`;

/**
 * Returns a maker of workers on the Redis at `url()`: each gets its own client, and is subscribed (with the dedupe
 * switch on) inside `withDedupeScope(taskKey)`. After each test, pipelines end, clients quit and sharing stops.
 */
export function useDedupeWorkers(url: () => string): <T>(taskKey: string, operator: MonoTypeOperatorFunction<Outcome<T>>) => DedupeWorker<T> {
  const clients: Redis[] = [];
  const subscriptions: Subscription[] = [];
  afterEach(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();
    shareDedupe(undefined);
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });
  return <T>(taskKey: string, operator: MonoTypeOperatorFunction<Outcome<T>>): DedupeWorker<T> => {
    const client = new Redis(url(), { lazyConnect: false, maxRetriesPerRequest: 1 });
    clients.push(client);
    const input = new Subject<Outcome<T>>();
    const waiting: { resolve: (outcome: Outcome<T>) => void; reject: (error: unknown) => void }[] = [];
    shareDedupe((scope) => redisKeptLog(client, scope));
    const subscription = withDedupeScope(taskKey, () =>
      input.pipe(operator).subscribe({
        next: (outcome) => waiting.shift()?.resolve(outcome),
        error: (error: unknown) => waiting.splice(0).forEach((each) => each.reject(error)),
      }),
    );
    subscriptions.push(subscription);
    return {
      send: (outcome) =>
        new Promise((resolve, reject) => {
          waiting.push({ resolve, reject });
          input.next(outcome);
        }),
    };
  };
}
