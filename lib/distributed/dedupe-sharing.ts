import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * An append-only log of what one dedupe block kept, shared by every process running its task. Entries are opaque
 * bytes (a 64-bit hash, a text, a vector), in the order they were kept.
 */
export interface SharedKeptLog {
  /**
   * Appends `entry` if the log holds exactly `length` entries and resolves `undefined`; otherwise appends nothing
   * and resolves some of the entries after `length` (at least one, in order). Rejects when the log holds fewer than
   * `length` entries (it was cleared or expired under the caller).
   */
  append(length: number, entry: Uint8Array): Promise<readonly Uint8Array[] | undefined>;
}

/** Opens the kept log of a scope (`<task key>:<block name>`, see {@link dedupeScope}). */
export type KeptLogFactory = (scope: string) => SharedKeptLog;

let factory: KeptLogFactory | undefined;
const task = new AsyncLocalStorage<string>();

/**
 * Shares the state of every dedupe block subscribed from now on through the logs `open` gives, or (`undefined`)
 * stops sharing: each subscription then keeps its own state, as in a single process. A worker sets it once at
 * start, and subscribes each task's pipeline inside {@link withDedupeScope}.
 *
 * ## Example
 * ```ts
 * import { Redis } from 'ioredis';
 * const redis = new Redis(url);
 * shareDedupe((scope) => redisKeptLog(redis, scope));
 * withDedupeScope('task-7', () => pipeline.subscribe(sink)); // dedup/exact `dedup` shares the log of `task-7:dedup`
 * ```
 */
export function shareDedupe(open: KeptLogFactory | undefined): void {
  factory = open;
}

/**
 * Runs `subscribe` with `taskKey` as the task of every dedupe block subscribed during the call: a block named `dedup`
 * shares the log of scope `<taskKey>:dedup` with the same block of the task in other processes. The blocks read the
 * task when they are subscribed (synchronously, inside the call).
 */
export function withDedupeScope<Result>(taskKey: string, subscribe: () => Result): Result {
  return task.run(taskKey, subscribe);
}

/** The scope of block `block` of task `taskKey`: the string a {@link KeptLogFactory} is given. */
export function dedupeScope(taskKey: string, block: string): string {
  return `${taskKey}:${block}`;
}

/**
 * The shared kept log of dedupe block `block` for a subscription starting now, or `undefined` when dedupe is not
 * shared (the block keeps local state only).
 * @throws {Error} while dedupe is shared but the block is subscribed outside {@link withDedupeScope}: it would
 * silently miss the duplicates other processes keep.
 */
export function sharedKeptLogOf(block: string): SharedKeptLog | undefined {
  if (factory === undefined) return undefined;
  const taskKey = task.getStore();
  if (taskKey === undefined) {
    throw new Error(`dedupe block \`${block}\` was subscribed outside withDedupeScope while dedupe is shared across processes (shareDedupe)`);
  }
  return factory(dedupeScope(taskKey, block));
}
