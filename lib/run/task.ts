import { Observable } from 'rxjs';
import type { DataPoint } from '../record.ts';
import { taskFolder } from '../store/task-folder.ts';
import { checkOutputPaths } from './output-paths.ts';
import { type ParsedTaskOptions, type RunHooks, type TaskOptions, parseTaskOptions } from './task-options.ts';
import { TaskRun, type TaskRunOptions } from './task-run.ts';

export type { Builder, GenerationTaskOptions, RunHooks, TaskOptions, TransformationTaskOptions } from './task-options.ts';

/**
 * A DGT task as an observable. `run()` makes the task's records; each input's records are committed to the task's
 * ledger (`<output_dir>/<task_name>/data.jsonl`) before they are emitted. Unsubscribing cancels in-flight LM calls. A
 * rerun resumes: inputs an earlier run settled are not made again.
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
  /** The task's folder: `<output_dir>/<store_name or task_name>`, checked to lie inside the output folder. */
  readonly dir: string;

  /**
   * @throws {ConfigError} for bad options (a `fields` map that cannot be used among them), a name that would put the
   *   task's folder outside its output folder, or an output outside the task's folder, on its own files or on another's
   */
  constructor(options: TaskOptions) {
    this.options = parseTaskOptions(options);
    this.dir = taskFolder(this.options.outputDir, this.options.storeName ?? this.options.name, this.options.storeName === undefined ? 'task_name' : 'store_name');
    checkOutputPaths(this.options.outputs, this.dir, { fieldOf: (index) => `outputs.${index}.path`, owner: 'createTask' });
  }

  get name(): string {
    return this.options.name;
  }

  /** The folder the task's folder is in (`--output-dir`, `runner_config.output_dir`, `$DGT_OUTPUT_DIR` or `output`). */
  get outputDir(): string {
    return this.options.outputDir;
  }

  /** What runs, as `task_card.jsonl` records it: the builder's name and the task and builder specs as loaded. */
  get card(): ParsedTaskOptions['card'] {
    return this.options.card;
  }

  get kind(): 'generation' | 'transformation' {
    return this.options.kind;
  }

  /** Records this run aims for: `numOutputsToGenerate`, or the number of input records when they are a list (undefined for a streamed source). */
  get target(): number | undefined {
    if (this.options.kind === 'generation') return this.options.numOutputsToGenerate;
    return Array.isArray(this.options.data) ? this.options.data.length : undefined;
  }

  /**
   * Makes the task's records: cold, one run per subscription, one run per task folder at a time (a second one, here
   * or in another process, errors with `TaskLockedError`). Records restored on resume are not re-emitted. `hooks`
   * observe the run; `options.maxInputs` caps the inputs it starts (a sample of the task).
   */
  run(hooks: RunHooks = {}, options: TaskRunOptions = {}): Observable<DataPoint> {
    return new Observable<DataPoint>((subscriber) => new TaskRun(this.options, this.dir, hooks, options).start(subscriber));
  }
}

/** Creates a {@link Task}. */
export function createTask(options: TaskOptions): Task {
  return new Task(options);
}
