import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMPTY, Subject, catchError, from, mergeMap, take, takeUntil, tap } from 'rxjs';
import { errorMessage } from '../error-message.ts';
import type { Engine } from '../model/engine.ts';
import { redactUrl } from '../redact-url.ts';
import type { Fields, RecordIssue } from '../record.ts';
import { checkEngines } from '../run/preflight.ts';
import { type PreparedRun, type RunSettings, prepareRun } from '../run/prepare-run.ts';
import type { Task } from '../run/task.ts';
import type { TaskProgress } from '../run/task-progress.ts';
import { checkTaskFolder } from '../store/task-folder.ts';
import { taskFiles } from '../store/task-layout.ts';
import { lockTaskFolder } from '../store/task-lock.ts';
import type { TaskResult } from '../store/task-result.ts';
import type { RunLimits } from './estimate-run.ts';
import { type PreviewReject, type TaskPreview, formatPreview } from './format-preview.ts';
import { timeModelCalls } from './time-model-calls.ts';

/** What `rxdgt preview` runs: the run's settings, and how many inputs of each task. */
export interface PreviewOptions {
  readonly settings: RunSettings;
  /** Inputs per task: seed batches of a generation, rows of a transformation. @default 5 */
  readonly limit?: number | undefined;
  /** Keeps the temporary output folder (its path is printed) instead of removing it. @default false */
  readonly keep?: boolean | undefined;
  /** Prints every log line (info included) on `err`, as `run --debug`. @default false */
  readonly debug?: boolean | undefined;
}

/** What one task's sample left, once it ended. */
interface Sampled {
  readonly records: Fields[];
  result: TaskResult | undefined;
  progress: TaskProgress | undefined;
  /** Why its run failed, when it failed before it could write a result (its folder locked by another run, say). */
  failure: unknown;
  /** Whether the preview stopped it (a transformation with `limit` inputs settled): its run may still be ending. */
  stopped: boolean;
}

/** Statuses that say the sample went wrong, not that it was cut short: worth a line. */
const troubled: ReadonlySet<TaskResult['status']> = new Set(['failed', 'errored', 'low_quality', 'budget_spent']);

/**
 * `rxdgt preview ...`: runs the first `limit` inputs of every task through the real pipeline (its engines, its blocks,
 * its ledger) into a fresh temporary output folder, never the tasks' own, then prints per task the sample's records and
 * rejects and an estimate of the whole run (LM calls, tokens, cost, wall time) from the sample's figures and the
 * engines' limits. A generation is sampled by generating `limit` records with at most `limit` attempts; a
 * transformation is stopped once `limit` rows settled (up to its `call_limit` rows may have started). Returns the exit
 * code: 0 when the preview ran (rejects included), 2 for bad input, 1 when a sample errored.
 *
 * ## Example
 * ```ts
 * await preview({ settings: { taskPaths: ['samples/geography-qa'] }, limit: 3 }, process.stdout, process.stderr);
 * // samples/geography_qa (generation): a sample of 3 inputs: 3 records, 0 rejected, 3 LM calls
 * //   record  question: ...  answer: ...
 * //   estimate to 20 records, from the 3 inputs of this sample (100% of inputs made a record): ...
 * ```
 * @throws {ConfigError} for bad input, {EngineUnreachableError} when an engine does not answer
 */
export async function preview(options: PreviewOptions, out: NodeJS.WriteStream, err: NodeJS.WriteStream): Promise<number> {
  const limit = options.limit ?? 5;
  const outputDir = mkdtempSync(join(tmpdir(), 'rxdgt-preview-'));
  try {
    const settings: RunSettings = { ...options.settings, outputDir, restart: false };
    // Targets as the real run has them: the sample's own settings cut a generation's target down to `limit`.
    const targets = await targetsOf(settings);
    const run = await prepareRun({ ...settings, numOutputsToGenerate: limit, maxGenRequests: Math.min(limit, settings.maxGenRequests ?? limit) });
    for (const { error } of run.failed) err.write(`rxdgt: ${errorMessage(error)}\n`);
    if (run.failed.length > 0) err.write(`rxdgt: ${run.failed.length} task(s) set aside; previewing the other ${run.tasks.length}\n`);
    try {
      for (const task of run.tasks) checkTaskFolder(task.dir);
      await checkEngines(run.engines);
      const times = timeModelCalls(run.engines.map(({ engine }) => engine));
      let sampled: Map<Task, Sampled>;
      try {
        sampled = await sample(run, limit, err, options.debug ?? false);
      } finally {
        times.restore();
      }
      const width = out.isTTY && out.columns > 20 ? out.columns : 100;
      let errored = false;
      for (const task of run.tasks) {
        const { records, result, progress, failure } = sampled.get(task)!;
        errored ||= result?.status === 'errored' || failure !== undefined;
        const ending = result && troubled.has(result.status) ? `${result.status}: ${result.message ?? result.reason ?? ''}` : failure === undefined ? undefined : `errored: ${errorMessage(failure)}`;
        const usage = progress?.usage;
        const engines = run.enginesOf(task);
        const costUsd = usage?.costUsd ?? 0;
        const preview: TaskPreview = {
          name: task.name,
          kind: task.kind,
          sample: {
            inputs: progress?.attempts ?? 0,
            accepted: (progress?.accepted ?? 0) - (progress?.restored ?? 0),
            rejected: progress?.rejected ?? 0,
            calls: usage?.calls ?? 0,
            cachedCalls: usage?.cachedCalls ?? 0,
            promptTokens: usage?.promptTokens ?? 0,
            completionTokens: usage?.completionTokens ?? 0,
            costUsd: costUsd > 0 || engines.some((engine) => engine.hasPrice) ? costUsd : undefined,
            meanLatencyMs: times.meanLatencyMs(engines),
          },
          records,
          rejects: rejectsIn(task.dir),
          target: targets.get(task.dir) ?? task.target,
          limits: limitsOf(engines),
          ...(ending === undefined ? {} : { ending }),
        };
        for (const line of formatPreview(preview, width)) out.write(`${line}\n`);
      }
      out.write(`Estimates from a sample of each task (--limit ${limit}): a whole run's acceptance and answer lengths may differ.\n`);
      if (options.keep) out.write(`The sample's output folder is kept: ${outputDir}\n`);
      if (errored) return 1;
      return run.failed.length > 0 ? 2 : 0;
    } finally {
      await run.close();
    }
  } finally {
    if (!options.keep) rmSync(outputDir, { recursive: true, force: true });
  }
}

/** Each task's target (records to generate, rows to transform) by its folder, from a check-only load of the run. */
async function targetsOf(settings: RunSettings): Promise<Map<string, number | undefined>> {
  const planned = await prepareRun(settings, { checkOnly: true });
  try {
    return new Map(planned.tasks.map((task) => [task.dir, task.target]));
  } finally {
    await planned.close();
  }
}

/**
 * Runs every task's sample: a generation to its (cut-down) target; a transformation until `limit` inputs settled, then
 * unsubscribed, its run's end awaited. Resolves with what each task left.
 */
async function sample({ tasks }: PreparedRun, limit: number, err: NodeJS.WriteStream, debug: boolean): Promise<Map<Task, Sampled>> {
  const sampled = new Map<Task, Sampled>(tasks.map((task) => [task, { records: [], result: undefined, progress: undefined, failure: undefined, stopped: false }]));
  await new Promise<void>((resolve, reject) => {
    const subscription = from(tasks)
      .pipe(
        mergeMap((task) => {
          const state = sampled.get(task)!;
          const enough = new Subject<void>();
          const run$ = task.run({
            onProgress: (progress) => {
              state.progress = progress;
              // Outside the commit that reported it: unsubscribing from inside would cut the run short mid-commit.
              if (task.kind === 'transformation' && progress.attempts >= limit && !state.stopped) {
                state.stopped = true;
                queueMicrotask(() => enough.next());
              }
            },
            onLog: (entry) => ((entry.level === 'INFO' && !debug) || entry.event === 'run_finished' ? undefined : err.write(`rxdgt: ${task.name}: ${redactUrl(entry.message)}\n`)),
            onEnd: (result, progress) => {
              state.result = result;
              state.progress = progress;
            },
          });
          return run$.pipe(
            tap((record) => state.records.push(record)),
            takeUntil(enough.pipe(take(1))),
            // A sample that errored says so in its result (its `ending` line); the other tasks' samples go on.
            catchError((error: unknown) => ((state.failure = error), EMPTY)),
          );
        }, 8),
      )
      .subscribe({ error: reject, complete: resolve });
    const onSignal = (): void => {
      subscription.unsubscribe();
      resolve();
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    subscription.add(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
  });
  // A run stopped by unsubscribing writes its outputs and lets go of its folder after: wait for that.
  await Promise.all(tasks.filter((task) => sampled.get(task)!.stopped).map((task) => runEnded(task.dir)));
  return sampled;
}

/** Resolves once no run of this process holds the task folder's lock (at most 30 s). */
async function runEnded(dir: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      lockTaskFolder(dir).release();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
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
          const issues = (JSON.parse(line) as { issues?: readonly RecordIssue[] }).issues ?? [];
          const issue = issues[0];
          return issue === undefined ? [] : [{ block: issue.block, code: issue.code, message: issue.message }];
        }),
    );
}

/**
 * The limits that bound a task's pace: its largest `call_limit` (the inputs it keeps in flight), and the rpm and tpm of
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
