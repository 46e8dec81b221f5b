import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Observable, type OperatorFunction, type SchedulerLike, Subject, asyncScheduler, concatMap, from, map, mergeMap, startWith, tap } from 'rxjs';
import { z } from 'zod';
import { stopWhen } from '../../operators/stop-when.ts';
import { accepted } from '../outcome.ts';
import { parseConfig } from '../parse-config.ts';
import type { DataPoint, Fields, Outcome, Restored } from '../record.ts';
import { TaskStore, type TaskResult } from '../store/task-store.ts';
import { type StopCriterion, hasFailureRate, isRecordCount, isStalled } from './stop-criteria.ts';
import { type GenerationInput, SeedLoader, asSeed } from './task-inputs.ts';
import { type TaskProgress, advanceProgress, initialProgress } from './task-progress.ts';

/** A databuilder's pipeline, as a task runs it: one outcome per input. */
export type Builder<In> = OperatorFunction<Outcome<In>, Outcome<DataPoint>>;

interface CommonOptions {
  /** DGT's `task_name`: names the output folder and is stamped on every record. */
  readonly name: string;
  /** Parent of the task's folder (DGT's `output_dir`). @default process.env.DGT_OUTPUT_DIR ?? 'output' */
  readonly outputDir?: string;
  /** Most inputs in flight at once; set it to the builder's `call_limit`. @default 10 */
  readonly concurrency?: number;
  /** Extra stop criteria; any one ends the task. @default [] */
  readonly stopWhen?: readonly StopCriterion[];
  /** Stop once LM call failures reach this share of attempts (after `failureRateAfter` attempts). @default 0.5 */
  readonly maxFailureRate?: number;
  /** @default 20 */
  readonly failureRateAfter?: number;
  /** Experiment id written to `task_results.jsonl` (DGT's `--build-id`). @default 'exp' */
  readonly buildId?: string;
  readonly scheduler?: SchedulerLike;
  readonly random?: () => number;
}

/** A generation task: loops over its seeds until `numOutputsToGenerate` records are made or it stalls. */
export interface GenerationTaskOptions extends CommonOptions {
  readonly kind: 'generation';
  readonly builder: Builder<GenerationInput>;
  /** Seed examples (DGT's `seed_examples`); marked `is_seed: true`. */
  readonly seeds: readonly Fields[];
  /** Exactly this many records (DGT: `num_outputs_to_generate`, a lower bound there). @default 2 */
  readonly numOutputsToGenerate?: number;
  /** Seeds per batch. @default min(100, seeds.length) */
  readonly seedBatchSize?: number;
  /** Machine-made records mixed into each batch. @default 10 */
  readonly machineBatchSize?: number;
  /** Start over instead of resuming from the files of an earlier run. @default false */
  readonly restart?: boolean;
  /** Stop after this many attempts in a row without a new record (DGT's `max_stalled_attempts`). @default 100 */
  readonly maxStalledAttempts?: number;
}

/** A transformation task: one pass over its input records. Always starts over, as in DGT. */
export interface TransformationTaskOptions extends CommonOptions {
  readonly kind: 'transformation';
  readonly builder: Builder<DataPoint>;
  /** The records to transform (DGT's `data`). */
  readonly data: readonly Fields[];
}

export type TaskOptions = GenerationTaskOptions | TransformationTaskOptions;

/** Hooks a caller (the CLI) uses to watch a run. */
export interface RunHooks {
  onProgress?(progress: TaskProgress): void;
  onEnd?(result: TaskResult, progress: TaskProgress): void;
}

const commonShape = {
  name: z.string().min(1),
  outputDir: z.string().min(1).default(() => process.env['DGT_OUTPUT_DIR'] ?? 'output'),
  concurrency: z.number().int().min(1).default(10),
  stopWhen: z.array(z.custom<StopCriterion>((value) => typeof value === 'function')).default([]),
  maxFailureRate: z.number().gt(0).max(1).default(0.5),
  failureRateAfter: z.number().int().min(1).default(20),
  buildId: z.string().min(1).default('exp'),
  scheduler: z.custom<SchedulerLike>((value) => typeof (value as SchedulerLike)?.now === 'function').default(asyncScheduler),
  random: z.custom<() => number>((value) => typeof value === 'function').default(() => Math.random),
  builder: z.custom<Builder<never>>((value) => typeof value === 'function', 'expected an operator (a builder pipe)'),
};
const optionsSchema = z.discriminatedUnion('kind', [
  z.object({
    ...commonShape,
    kind: z.literal('generation'),
    seeds: z.array(z.record(z.string(), z.unknown())).min(1, 'a generation task needs at least one seed example'),
    numOutputsToGenerate: z.number().int().min(1).default(2),
    seedBatchSize: z.number().int().min(1).optional(),
    machineBatchSize: z.number().int().min(0).default(10),
    restart: z.boolean().default(false),
    maxStalledAttempts: z.number().int().min(1).default(100),
  }),
  z.object({ ...commonShape, kind: z.literal('transformation'), data: z.array(z.record(z.string(), z.unknown())) }),
]);
type ParsedOptions = z.output<typeof optionsSchema>;

/** Where a task's inputs come from and how many may be in flight. */
interface InputPlan {
  readonly restored: readonly DataPoint[];
  /** Next input, or undefined when the input is exhausted (transformation). */
  next(): object | undefined;
  /** How many more inputs may start now, given what is accepted and in flight. */
  room(acceptedSoFar: number, inFlight: number): number;
  readonly loader?: SeedLoader;
}

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
  private readonly options: ParsedOptions;

  constructor(options: TaskOptions) {
    this.options = parseConfig('createTask', optionsSchema, options);
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

  /** The task's folder: `<output_dir>/<task_name>`. */
  get dir(): string {
    return join(this.options.outputDir, this.options.name);
  }

  /** Makes the task's records: cold, one run per subscription. Records restored on resume are not re-emitted. */
  run(hooks: RunHooks = {}): Observable<DataPoint> {
    return new Observable<DataPoint>((subscriber) => {
      const options = this.options;
      const store = new TaskStore(this.dir);
      const { scheduler } = options;
      const startTime = new Date(scheduler.now()).toISOString();
      const runId = randomUUID();
      let progress = initialProgress(scheduler.now());
      let plan: InputPlan | undefined;
      let ended = false;

      const end = (status: TaskResult['status'], reason: string | undefined, message: string | undefined): void => {
        if (ended) return;
        ended = true;
        const result: TaskResult = {
          task_name: options.name,
          run_id: runId,
          build_id: options.buildId,
          process_id: process.pid,
          status,
          ...(reason ? { reason } : {}),
          ...(message ? { message } : {}),
          start_time: startTime,
          end_time: new Date(scheduler.now()).toISOString(),
          metrics: {
            'Number of data produced': progress.accepted,
            records_restored: progress.restored,
            records_rejected: progress.rejected,
            lm_calls: progress.usage.calls,
            lm_calls_cached: progress.usage.cachedCalls,
            prompt_tokens: progress.usage.promptTokens,
            completion_tokens: progress.usage.completionTokens,
          },
        };
        store.writeResultSync(result, plan?.loader?.position);
        hooks.onEnd?.(result, progress);
      };

      let stopped: { criterion: StopCriterion; progress: TaskProgress } | undefined;
      const inputs = new Subject<Outcome<never>>();
      let inFlight = 0;
      let attempt = 0;
      let pumping = false;
      let exhausted = false;
      const pump = (): void => {
        if (pumping || !plan) return;
        pumping = true;
        // Restored records count from the start, even before their replay reaches the end of the pipeline.
        const acceptedSoFar = (): number => plan!.restored.length + progress.accepted - progress.restored;
        while (!stopped && !exhausted && plan.room(acceptedSoFar(), inFlight) > 0) {
          const input = plan.next();
          if (input === undefined) {
            exhausted = true;
            break;
          }
          inFlight += 1;
          inputs.next(accepted(attempt++, input) as Outcome<never>);
        }
        pumping = false;
        if (exhausted && inFlight === 0) inputs.complete();
      };

      const criteria: StopCriterion[] = [...options.stopWhen, hasFailureRate(options.maxFailureRate, { after: options.failureRateAfter })];
      if (options.kind === 'generation') criteria.unshift(isRecordCount(options.numOutputsToGenerate), isStalled(options.maxStalledAttempts));

      const subscription = from(this.prepare(store)).pipe(
        concatMap((prepared) => {
          plan = prepared;
          // The inner pipeline below is subscribed synchronously by concatMap; inputs start right after.
          queueMicrotask(pump);
          const restored = prepared.restored.map((record): Restored => ({ status: 'restored', attempt: -1, record }));
          return inputs.pipe(
            startWith(...(restored as Outcome<never>[])),
            options.builder as Builder<never>,
            mergeMap((outcome) => from(persist(store, outcome)).pipe(map(() => outcome))),
            tap((outcome) => {
              if (outcome.status !== 'restored') inFlight -= 1;
              progress = advanceProgress(progress, outcome, scheduler.now());
              if (outcome.status !== 'rejected') plan?.loader?.addMachine(outcome.record, progress.accepted);
              hooks.onProgress?.(progress);
            }),
            stopWhen<DataPoint>(criteria, { scheduler, onStop: (criterion, at) => (stopped = { criterion, progress: at }) }),
          );
        }),
      ).subscribe({
        next: (outcome) => {
          if (outcome.status === 'accepted') subscriber.next(outcome.record);
          pump();
        },
        error: (error: unknown) => {
          void store.close().finally(() => {
            end('errored', 'error', error instanceof Error ? error.message : String(error));
            subscriber.error(error);
          });
        },
        complete: () => {
          void store.finish().then(
            () => {
              const reason = stopped?.criterion.reason ?? 'complete';
              const status = reason === 'complete' ? 'completed' : reason === 'failure_rate' ? 'failed' : (reason as TaskResult['status']);
              end(status, reason, stopped?.criterion.describe(stopped.progress));
              subscriber.complete();
            },
            (error: unknown) => subscriber.error(error),
          );
        },
      });
      return () => {
        subscription.unsubscribe();
        end('cancelled', 'cancelled', 'unsubscribed before the task ended');
        void store.close();
      };
    });
  }

  private async prepare(store: TaskStore): Promise<InputPlan> {
    const options = this.options;
    if (options.kind === 'transformation') {
      await store.clear();
      let index = 0;
      return {
        restored: [],
        next: () => (index < options.data.length ? asSeed(options.name, options.data[index++] as Fields) : undefined),
        room: (_accepted, inFlight) => options.concurrency - inFlight,
      };
    }
    if (options.restart) await store.clear();
    const restored = options.restart ? [] : await store.readData();
    const seeds = options.seeds.map((seed) => asSeed(options.name, seed));
    const position = options.restart ? 0 : await store.readSeedPosition();
    const loader = new SeedLoader(
      options.name,
      seeds,
      options.seedBatchSize ?? Math.min(100, seeds.length),
      options.machineBatchSize,
      position,
      options.random,
    );
    const target = options.numOutputsToGenerate;
    return {
      restored,
      loader,
      next: () => loader.next(),
      room: (acceptedSoFar, inFlight) => Math.min(options.concurrency - inFlight, target - acceptedSoFar - inFlight),
    };
  }
}

/** Appends an outcome to its file: accepted records to `data.jsonl`, rejections to `blocks/<block>.jsonl`. */
function persist(store: TaskStore, outcome: Outcome<DataPoint>): Promise<void> {
  if (outcome.status === 'accepted') return store.data.append(outcome.record);
  if (outcome.status === 'restored') return Promise.resolve();
  const block = outcome.issues[0]?.block ?? 'unknown';
  const record = outcome.record as { examples?: unknown; task_name?: unknown } | undefined;
  // A generation input carries its whole seed batch: keep the reject line small and name the task.
  const { examples: _examples, ...rest } = record ?? {};
  return store.appendRejected(block, { ...rest, attempt: outcome.attempt, issues: outcome.issues });
}

/** Creates a {@link Task}. */
export function createTask(options: TaskOptions): Task {
  return new Task(options);
}
