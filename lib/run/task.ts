import { join } from 'node:path';
import { Observable } from 'rxjs';
import type { DataPoint } from '../record.ts';
import { TaskStore } from '../store/task-store.ts';
import { type ParsedTaskOptions, type RunHooks, type TaskOptions, parseTaskOptions } from './task-options.ts';
import { TaskRun } from './task-run.ts';

export type { Builder, GenerationTaskOptions, RunHooks, TaskOptions, TransformationTaskOptions } from './task-options.ts';

/**
 * A DGT task as an observable. `run()` makes the task's records; each is appended to
 * `<output_dir>/<task_name>/data.jsonl` before it is emitted. Unsubscribing cancels in-flight LM calls.
 *
 * ## Example
 * ```ts
 * import { createTask, createEngine, geographyQa } from 'rxdgt';
 * import { FakeLanguageModel } from 'rxdgt/testing';
 * const engine = createEngine(new FakeLanguageModel({ answers: (_, i) => `Question: Q${i}?\nAnswer: A${i}.` }));
 * const task = createTask({ kind: 'generation', name: 'geo', seeds: [{ question: 'Q?', answer: 'A.' }],
 *   builder: geographyQa({ generator: engine }), numOutputsToGenerate: 3 });
 * task.run().subscribe((record) => console.log(record.question)); // Q0? Q1? Q2?
 * ```
 */
export class Task {
  private readonly options: ParsedTaskOptions;

  constructor(options: TaskOptions) {
    this.options = parseTaskOptions(options);
  }

  get name(): string {
    return this.options.name;
  }

  get kind(): 'generation' | 'transformation' {
    return this.options.kind;
  }

  /** Records this run aims for: `numOutputsToGenerate`, or the number of input records. */
  get target(): number {
    return this.options.kind === 'generation' ? this.options.numOutputsToGenerate : this.options.data.length;
  }

  /** The task's folder: `<output_dir>/<store_name or task_name>`. */
  get dir(): string {
    return join(this.options.outputDir, this.options.storeName ?? this.options.name);
  }

  /** Makes the task's records: cold, one run per subscription. Records restored on resume are not re-emitted. */
  run(hooks: RunHooks = {}): Observable<DataPoint> {
    return new Observable<DataPoint>((subscriber) => new TaskRun(this.options, new TaskStore(this.dir), hooks).start(subscriber));
  }
}

/** Creates a {@link Task}. */
export function createTask(options: TaskOptions): Task {
  return new Task(options);
}
