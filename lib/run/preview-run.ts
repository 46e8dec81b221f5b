import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, catchError, from, mergeMap, tap } from 'rxjs';
import { type RunEstimate, type RunLimits, type RunSample, estimateRun } from './estimate-run.ts';
import { timeModelCalls } from './time-model-calls.ts';
import { ConfigError } from '../errors/config-error.ts';
import { errorMessage } from '../error-message.ts';
import type { Engine } from '../model/engine.ts';
import type { Fields, RecordIssue } from '../record.ts';
import { checkTaskFolder } from '../store/task-folder.ts';
import type { LogEntry } from '../store/task-files.ts';
import { taskFiles } from '../store/task-layout.ts';
import { lockTaskFolder } from '../store/task-lock.ts';
import type { TaskResult, TaskStatus } from '../store/task-result.ts';
import { checkEngines } from './preflight.ts';
import { type PreparedRun, type RunSettings, prepareRun } from './prepare-run.ts';
import type { RunHooks, Task } from './task.ts';
import type { TaskProgress } from './task-progress.ts';


/** How {@link previewRun} samples. */
export interface PreviewRunOptions {
  /** Inputs per task: seed batches of a generation, rows of a transformation. @default 5 */
  readonly limit?: number | undefined;
  /** Keeps the temporary output folder (`RunPreview.outputDir`) instead of removing it. @default false */
  readonly keep?: boolean | undefined;
  /** Hears every line a sample writes to its task's `logs.jsonl` (the CLI prints warnings). */
  readonly onLog?: ((task: string, entry: LogEntry) => void) | undefined;
  /** Stops the samples (their runs end `cancelled`); the preview resolves with what they did. */
  readonly signal?: AbortSignal | undefined;
}

/** One rejection of a sample: the block that rejected the record, the issue's code and its message. */
export interface PreviewReject {
  readonly block: string;
  readonly code: string;
  readonly message: string;
}

/** What a task's sample did: the figures {@link estimateRun} scales up, and its rejects. */
export interface SampleFigures extends RunSample {
  /** Records rejected (each input's rejections). */
  readonly rejected: number;
}

/** What a preview learnt of one task. Plain data: it serialises to JSON as it is. */
export interface TaskPreview {
  readonly name: string;
  readonly kind: 'generation' | 'transformation';
  readonly sample: SampleFigures;
  /** Records the sample accepted, in the order they were made. */
  readonly records: readonly Fields[];
  readonly rejects: readonly PreviewReject[];
  /** How the sample's run ended (`completed` when it made its inputs); undefined when it failed before its end. */
  readonly status: TaskStatus | undefined;
  /** The run's result message, or why it failed before its end (its folder locked by another run, say). */
  readonly message: string | undefined;
  /** Records the whole run aims for, or rows it transforms; undefined for a transformation of a streamed input. */
  readonly target: number | undefined;
  /** The limits that bound the run's pace: the largest `call_limit`, and the engines' rpm and tpm. */
  readonly limits: RunLimits;
  /**
   * The whole run's figures from the sample's: to `target`, or per input when the input is streamed; undefined when
   * the sample cannot be scaled (no input settled, or a generation that accepted no record).
   */
  readonly estimate: RunEstimate | undefined;
  /** The task's folder in the kept output folder (`keep`): the sample's records, logs and result. */
  readonly dir?: string | undefined;
}

/** What {@link previewRun} found. */
export interface RunPreview {
  /** Inputs per task the samples were limited to. */
  readonly limit: number;
  readonly tasks: readonly TaskPreview[];
  /** Tasks set aside (they could not be loaded), with why; the others were previewed. */
  readonly failed: readonly { readonly file: string | undefined; readonly message: string }[];
  /** The kept output folder (`keep`); undefined once removed. */
  readonly outputDir: string | undefined;
}

/**
 * Runs the first `limit` inputs of every task through the real pipeline (its engines, its blocks, its ledger) into a
 * fresh temporary output folder, never the tasks' own, and estimates each whole run from its sample: LM calls, tokens,
 * cost, wall time. Each sample is exactly `limit` inputs (fewer when the input runs out or a stop criterion ends it):
 * the run starts no input beyond them. Nothing is printed.
 *
 * ## Example
 * ```ts
 * import { previewRun } from 'rxdgt';
 * const preview = await previewRun({ taskPaths: ['samples/geography-qa'] }, { limit: 3 });
 * const [geo] = preview.tasks;
 * console.log(geo.sample.inputs, geo.records.length, Math.round(geo.estimate?.calls ?? 0)); // 3 3 20
 * ```
 *
 * @throws {ConfigError} for bad input (a `limit` below 1, a task that cannot load when it is the only one), naming the
 *   file and the field; {EngineUnreachableError} when an engine does not answer
 */
export async function previewRun(settings: RunSettings, options: PreviewRunOptions = {}): Promise<RunPreview> {
  const limit = options.limit ?? 5;
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigError(`previewRun: \`limit\` must be a whole number of 1 or more, received ${limit}`, { field: 'limit' });
  const outputDir = mkdtempSync(join(tmpdir(), 'rxdgt-preview-'));
  try {
    const run = await prepareRun({ ...settings, outputDir, restart: false });
    try {
      for (const task of run.tasks) checkTaskFolder(task.dir);
      await checkEngines(run.engines);
      const times = timeModelCalls(run.engines.map(({ engine }) => engine));
      let sampled: Map<Task, Sampled>;
      try {
        sampled = await sample(run, limit, options);
      } finally {
        times.restore();
      }
      const tasks = run.tasks.map((task) => taskPreview(task, sampled.get(task)!, run.enginesOf(task), times.meanLatencyMs(run.enginesOf(task)), options.keep ?? false));
      const failed = run.failed.map(({ file, error }) => ({ file, message: errorMessage(error) }));
      return { limit, tasks, failed, outputDir: options.keep ? outputDir : undefined };
    } finally {
      await run.close();
    }
  } finally {
    if (!options.keep) rmSync(outputDir, { recursive: true, force: true });
  }
}

/** What one task's sample left, once it ended. */
interface Sampled {
  readonly records: Fields[];
  result: TaskResult | undefined;
  progress: TaskProgress | undefined;
  /** Why its run failed, when it failed before it could write a result. */
  failure: unknown;
}

/** Runs every task's sample (8 at once), each capped to `limit` inputs; resolves once each run ended. */
async function sample({ tasks }: PreparedRun, limit: number, options: PreviewRunOptions): Promise<Map<Task, Sampled>> {
  const sampled = new Map<Task, Sampled>(tasks.map((task) => [task, { records: [], result: undefined, progress: undefined, failure: undefined }]));
  let aborted = false;
  await new Promise<void>((resolve, reject) => {
    const subscription = from(tasks)
      .pipe(
        mergeMap((task) => {
          const state = sampled.get(task)!;
          const hooks: RunHooks = {
            onProgress: (progress) => void (state.progress = progress),
            onLog: (entry) => options.onLog?.(task.name, entry),
            onEnd: (result, progress) => {
              state.result = result;
              state.progress = progress;
            },
          };
          return task.run(hooks, { maxInputs: limit }).pipe(
            tap((record) => state.records.push(record)),
            // A sample that errored says so (its `message`); the other tasks' samples go on.
            catchError((error: unknown) => ((state.failure = error), EMPTY)),
          );
        }, 8),
      )
      .subscribe({ error: reject, complete: resolve });
    const stop = (): void => {
      aborted = true;
      subscription.unsubscribe();
      resolve();
    };
    if (options.signal?.aborted) stop();
    options.signal?.addEventListener('abort', stop, { once: true });
    subscription.add(() => options.signal?.removeEventListener('abort', stop));
  });
  // A run stopped by unsubscribing writes its result and lets go of its folder after: wait for that.
  if (aborted) await Promise.all(tasks.map((task) => runEnded(task.dir)));
  return sampled;
}

/** Resolves once no run holds the task folder's lock (at most 30 s); at once for a task that never made its folder. */
async function runEnded(dir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!existsSync(dir)) return;
    try {
      lockTaskFolder(dir).release();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** A task's preview from what its sample left. */
function taskPreview(task: Task, { records, result, progress, failure }: Sampled, engines: readonly Engine[], meanLatencyMs: number | undefined, keep: boolean): TaskPreview {
  const usage = progress?.usage;
  const costUsd = usage?.costUsd ?? 0;
  const sample: SampleFigures = {
    inputs: progress?.attempts ?? 0,
    accepted: (progress?.accepted ?? 0) - (progress?.restored ?? 0),
    rejected: progress?.rejected ?? 0,
    calls: usage?.calls ?? 0,
    cachedCalls: usage?.cachedCalls ?? 0,
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
    costUsd: costUsd > 0 || engines.some((engine) => engine.hasPrice) ? costUsd : undefined,
    meanLatencyMs,
  };
  const limits = limitsOf(engines);
  const { target, kind } = task;
  // A streamed input's rows are unknown: the estimate is per input.
  const estimate = estimateRun(sample, kind === 'generation' ? { kind, records: target ?? 0 } : { kind, rows: target ?? 1 }, limits);
  return {
    name: task.name,
    kind,
    sample,
    records,
    rejects: rejectsIn(task.dir),
    status: result?.status,
    message: failure === undefined ? (result?.message ?? result?.reason) : errorMessage(failure),
    target,
    limits,
    estimate,
    ...(keep ? { dir: task.dir } : {}),
  };
}

/** The rejects of a sample, from its task folder's `blocks/<block>.jsonl` (none with a SQLite datastore). */
function rejectsIn(dir: string): PreviewReject[] {
  const blocks = join(dir, taskFiles.blocks);
  if (!existsSync(blocks)) return [];
  return readdirSync(blocks)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .flatMap((name) =>
      readFileSync(join(blocks, name), 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .flatMap((line) => {
          const issue = (parsedLine(line)?.issues ?? [])[0];
          return issue === undefined ? [] : [{ block: issue.block, code: issue.code, message: issue.message }];
        }),
    );
}

/** A rejection line, or undefined for one a stopped sample left torn. */
function parsedLine(line: string): { readonly issues?: readonly RecordIssue[] } | undefined {
  try {
    return JSON.parse(line) as { issues?: readonly RecordIssue[] };
  } catch {
    return undefined;
  }
}

/**
 * The limits that bound a task's pace: its largest `call_limit` (the calls it keeps in flight), and the rpm and tpm of
 * its engines' credentials and endpoints, added up over the distinct ones when every one has a limit (otherwise none).
 */
function limitsOf(engines: readonly Engine[]): RunLimits {
  const admissions = [...new Set(engines.map((engine) => engine.admission))].map((admission) => admission.state);
  const total = (rates: readonly (number | undefined)[]): number | undefined =>
    rates.length === 0 || rates.some((rate) => rate === undefined) ? undefined : rates.reduce<number>((sum, rate) => sum + (rate as number), 0);
  const rpm = total(admissions.map((state) => state.rpm));
  const tpm = total(admissions.map((state) => state.tpm));
  return { callLimit: Math.max(1, ...engines.map((engine) => engine.callLimit)), ...(rpm === undefined ? {} : { rpm }), ...(tpm === undefined ? {} : { tpm }) };
}
