import { type Observable, from, mergeMap } from 'rxjs';
import type { DataPoint } from '../record.ts';
import type { RunHooks, Task } from './task.ts';

/** Options of {@link runTasks}. */
export interface RunTasksOptions {
  /** Most tasks running at once; the engines' `call_limit` still caps LM requests. @default 8 */
  readonly concurrency?: number;
  /** Hooks per task, e.g. for a progress display. */
  readonly hooks?: (task: Task) => RunHooks;
}

/**
 * Runs many tasks as one stream of records: `merge(tasks.map(t => t.run()), concurrency)`.
 *
 * ## Example
 * ```ts
 * import { prepareRun, runTasks } from 'rxdgt';
 * const { tasks } = await prepareRun({ taskPaths: ['samples/'] });
 * runTasks(tasks, { concurrency: 2 }).subscribe((record) => console.log(record.task_name));
 * ```
 */
export function runTasks(tasks: readonly Task[], options: RunTasksOptions = {}): Observable<DataPoint> {
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('runTasks: `concurrency` must be an integer of 1 or more');
  return from(tasks).pipe(mergeMap((task) => task.run(options.hooks?.(task) ?? {}), concurrency));
}
