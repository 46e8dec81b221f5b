import { join } from 'node:path';
import { EMPTY, Observable, type OperatorFunction, Subject, type Subscriber, concat, concatMap, defer, from, map, takeUntil, tap } from 'rxjs';
import { stopWhen } from '../../operators/stop-when.ts';
import { errorMessage } from '../error-message.ts';
import { batchScopesWanted, withinBatchScope } from '../model/batch-scope.ts';
import { accepted } from '../outcome.ts';
import type { DataPoint, Outcome } from '../record.ts';
import type { Settlement } from '../store/ledger.ts';
import type { CommitListener, Ledger } from '../store/task-ledger.ts';
import type { TaskResult, TaskStatus } from '../store/task-result.ts';
import { taskFiles } from '../store/task-layout.ts';
import { writeOutputs } from '../store/write-outputs.ts';
import { postprocessRecords } from './postprocess-records.ts';
import { type StopCriterion, describeConfigIssue, hasFailureRate, isMisconfigured, isRecordCount, isStalled, windowsOf } from './stop-criteria.ts';
import { type Builder, type ParsedTaskOptions, type RunHooks, inputsExhausted } from './task-options.ts';
import { type TaskSession, endingRun, openTaskSession } from './task-session.ts';
import { type TaskProgress, initialProgress, settleProgress } from './task-progress.ts';

/** Statuses named after the stop criterion that ended a task. */
const statusOfReason: Readonly<Record<string, TaskStatus>> = {
  complete: 'completed',
  already_complete: 'completed',
  input_done: 'completed',
  seeds_used_up: 'stalled',
  failure_rate: 'failed',
  misconfigured: 'failed',
  acceptance_rate: 'low_quality',
  mean_score: 'low_quality',
  stalled: 'stalled',
  time_elapsed: 'time_elapsed',
  token_budget: 'budget_spent',
  cost_budget: 'budget_spent',
};

/**
 * Inputs that must all be rejected by one config-shaped issue of one block (`isMisconfigured`) before a task fails:
 * enough that bad data is unlikely to be the cause, few enough to spare the LM calls.
 */
const misconfiguredAfter = 10;

/** How a task ended, once known. */
interface Ending {
  readonly reason: string;
  readonly message: string;
}

/**
 * How one run of a task goes, beside its hooks (`task.run(hooks, { maxInputs })`): a cap on the inputs it starts, so
 * a preview's sample is exactly its first `maxInputs` inputs, none started beyond them.
 */
export interface TaskRunOptions {
  /** Inputs this run starts at most (restored ones not counted); the run ends once they settled. @default no cap */
  readonly maxInputs?: number | undefined;
}

/** A settled input on its way out, with the progress after it. */
interface Settled {
  readonly settlement: Settlement;
  readonly progress: TaskProgress;
}

/**
 * One subscription of a task: the pump and the pipe. The ledger (`lib/store/task-ledger.ts`) counts and writes; this
 * feeds inputs into the builder while the ledger has room, hands every outcome to the ledger, and emits an input's
 * records once they are committed. Stop criteria read the progress of committed inputs: stopping aborts the LM calls
 * in flight, and whatever was settled is committed and counted in the result.
 */
export class TaskRun {
  private readonly startTime: string;
  private readonly inputs = new Subject<Outcome<never>>();
  /** Errors that end the run whatever its inputs are doing (a provider batch rejected as a whole). */
  private readonly failures = new Subject<never>();
  /** The stop criteria: built-in ones, then the task's `stopWhen`. */
  private readonly criteria: readonly StopCriterion[];
  private progress: TaskProgress;
  /**
   * Committed settlements whose records have not gone out yet, in commit order, with the progress right after each
   * (what the stop criteria read as its records go out).
   */
  private readonly unemitted = new Unemitted();
  private session: TaskSession | undefined;
  private ending: Ending | undefined;
  private pumping = false;
  private unsubscribed = false;
  /** Settles once the folder is open, and let go again when the run was unsubscribed meanwhile. */
  private opening: Promise<void> | undefined;
  /** Whether the builder listens for inputs: true once the replay of restored records is done. */
  private accepting = false;
  private exhausted = false;
  /** Inputs this run started, for its `maxInputs` cap. */
  private started = 0;
  /** Why the builder can make nothing more (an `inputs_exhausted` issue), once one said so. */
  private builderDone: string | undefined;
  /** Records the builder's postprocessors left out of the outputs at the end of this run. */
  private postprocessRejected: number | undefined;
  private ended = false;

  constructor(
    private readonly options: ParsedTaskOptions,
    private readonly dir: string,
    private readonly hooks: RunHooks,
    private readonly runOptions: TaskRunOptions = {},
  ) {
    const now = options.scheduler.now();
    this.startTime = new Date(now).toISOString();
    this.criteria = criteriaOf(options);
    this.progress = initialProgress(now, 0, windowsOf(this.criteria));
  }

  /** Starts the run into `subscriber`; returns the teardown. */
  start(subscriber: Subscriber<DataPoint>): () => void {
    const emit = (settlement: Settlement): void => {
      this.unemitted.take(settlement);
      for (const record of settlement.records) subscriber.next(record);
    };
    const fail = (error: unknown): void => {
      const failed = (): void => subscriber.error(error);
      void this.finish('errored', { reason: 'error', message: errorMessage(error) }).then(failed, failed);
    };
    const subscription = defer(() => this.open())
      .pipe(concatMap((session) => this.settlements(session)), takeUntil(this.failures))
      .subscribe({
        next: ({ settlement }) => emit(settlement),
        error: fail,
        complete: () => {
          const unsettled = this.session?.ledger.inFlight ?? 0;
          // The builder ended with inputs it never settled: a block dropped them (RxJS `filter`) instead of rejecting.
          if (!this.ending && unsettled > 0) {
            return fail(new Error(`the builder completed with ${unsettled} inputs it gave no outcome for: a block dropped them instead of rejecting them (use filterRecords, not RxJS filter)`));
          }
          const ending = this.ending ?? this.completion();
          this.finish(statusOfReason[ending.reason] ?? 'completed', ending, emit).then(
            () => subscriber.complete(),
            (error: unknown) => subscriber.error(error),
          );
        },
      });
    return () => {
      subscription.unsubscribe();
      this.unsubscribed = true;
      // Still opening: the open lets go of the folder when it is done; a new run in this process waits for that.
      if (!this.session && this.opening) endingRun(this.dir, this.opening);
      if (this.ended || !this.session) return;
      // A consumer that takes exactly the target (`take(n)`) unsubscribes before completion reaches us.
      const target = this.options.kind === 'generation' ? this.options.numOutputsToGenerate : Number.POSITIVE_INFINITY;
      const ending = this.session.ledger.records >= target ? this.completion() : { reason: 'cancelled', message: 'unsubscribed before the task ended' };
      // Nobody listens any more: a failure here is in the task's log, and the records emitted are on disk.
      void this.finish(ending.reason === 'cancelled' ? 'cancelled' : 'completed', ending).catch(() => undefined);
    };
  }

  /**
   * Takes the folder (lock, restart, crash repair) and plans the inputs; nothing is written before the lock. A run
   * unsubscribed while it opened lets go of the folder at once.
   */
  private async open(): Promise<TaskSession> {
    const opening = openTaskSession(this.options, this.dir, this.hooks, {
      // Counted as committed, so every input in the files is in the counts, however the run ends.
      onCommit: (settlement, plan, texts) => {
        this.progress = settleProgress(this.progress, settlement, this.options.scheduler.now());
        // The builder has nothing more to make: no new input; those in flight still settle.
        if (settlement.rejections.length > 0 && this.builderDone === undefined) {
          const exhausted = settlement.rejections.flatMap((rejection) => rejection.issues).find((issue) => issue.code === inputsExhausted);
          if (exhausted) this.builderDone = exhausted.message;
        }
        this.unemitted.add(settlement, this.progress);
        const duplicates = duplicatesOf(settlement);
        plan.settled(settlement.ticket.sequence, duplicates.length === 0 ? settlement.records : [...settlement.records, ...duplicates], texts);
        try {
          this.hooks.onSettle?.(settlement, this.progress);
          this.hooks.onProgress?.(this.progress);
        } catch (error) {
          // A caller's hook that throws ends the run (the commit itself is done).
          this.inputs.error(error);
        }
      },
      wake: () => this.pump(),
    });
    this.opening = opening.then(
      (session) => (this.unsubscribed ? session.close() : undefined),
      () => undefined,
    );
    const session = await opening;
    if (this.unsubscribed) throw new Error('unsubscribed while the task opened');
    this.progress = initialProgress(this.progress.startedAt, session.ledger.records, windowsOf(this.criteria));
    this.session = session;
    this.hooks.onStart?.({ runId: session.runId });
    return session;
  }

  /**
   * Restored records first (they rebuild dedup state and the machine-example pool), then inputs as the ledger has
   * room, through the builder; each settled input is committed before its records go on.
   */
  private settlements({ ledger, plan }: TaskSession): Observable<Settled> {
    const { options } = this;
    if (options.kind === 'generation' && ledger.records >= options.numOutputsToGenerate) {
      this.ending = { reason: 'already_complete', message: `${ledger.records} records already made (target ${options.numOutputsToGenerate})` };
      return EMPTY;
    }
    const replay = from(ledger.restored()).pipe(
      map(({ record, sequence }): Outcome<never> => {
        plan.settled(sequence, [record]);
        return { status: 'restored', id: String(record['rxdgt_id'] ?? ''), record } as Outcome<never>;
      }),
    );
    // Subscribed once the replay is done: the first inputs start then.
    const inputs = defer(() => {
      this.accepting = true;
      queueMicrotask(() => this.pump());
      return this.inputs;
    });
    return concat(replay, inputs).pipe(
      options.builder as Builder<never>,
      committed(ledger, (settlement) => this.unemitted.progressOf(settlement) ?? this.progress),
      stopWhen<Settled>(this.criteria, {
        scheduler: options.scheduler,
        progress: (settled) => settled.progress,
        // A stall of inputs all rejected by one config-shaped issue is that mistake (a stall limit below 10).
        onStop: (criterion, progress) =>
          (this.ending = (criterion.reason === 'stalled' ? misconfiguredEnding(progress) : undefined) ?? { reason: criterion.reason, message: criterion.describe(progress) }),
      }),
      // A commit may be what held the next input back.
      tap(() => this.pump()),
    );
  }

  /** How a task whose inputs ran out (or whose consumer took the target) ended. */
  private completion(): Ending {
    // Fewer inputs than `isMisconfigured` waits for, every one rejected by one config-shaped issue: that mistake.
    const misconfigured = misconfiguredEnding(this.progress);
    if (misconfigured) return misconfigured;
    const records = this.session?.ledger.records ?? 0;
    if (this.options.kind === 'transformation') return { reason: 'input_done', message: `${records} records made from the input` };
    const target = this.options.numOutputsToGenerate;
    if (records >= target) return { reason: 'complete', message: `${records} of ${target} records made` };
    if (this.builderDone !== undefined) return { reason: 'input_done', message: `${records} of ${target} records made: ${this.builderDone}` };
    if (this.capReached()) return { reason: 'input_done', message: `${records} of ${target} records made from the ${this.started} inputs this run was capped to` };
    return { reason: 'seeds_used_up', message: `the seeds ran out (loop_over is off) with ${records} of ${target} records made` };
  }

  /** Starts as many inputs as the ledger has room for. Re-entrant calls (a synchronous outcome) are folded in. */
  private pump(): void {
    const session = this.session;
    if (this.pumping || !session || !this.accepting || this.ended) return;
    this.pumping = true;
    try {
      if (this.builderDone !== undefined || this.capReached()) this.exhausted = true;
      while (!this.ending && !this.exhausted && session.ledger.room() > 0) {
        const planned = session.plan.next();
        if (planned === 'wait') break;
        if (planned === undefined) this.exhausted = true;
        else {
          const ticket = session.ledger.issue(planned.sequence, planned.key);
          this.started += 1;
          if (this.capReached()) this.exhausted = true;
          const input = accepted(ticket.id, planned.make(ticket.id)) as Outcome<never>;
          // Inside the input's scope: a batch model keys its requests by the input and keeps its batches in the ledger.
          if (batchScopesWanted()) withinBatchScope({ inputId: ticket.id, journal: session.batches, fail: this.failRun }, () => this.inputs.next(input));
          else this.inputs.next(input);
        }
      }
      // No more inputs: the builder completes once it has settled those it has (a batching builder flushes its batch).
      if (this.exhausted) this.inputs.complete();
    } catch (error) {
      this.inputs.error(error);
    } finally {
      this.pumping = false;
    }
  }

  /** Ends the run with an error of no one input (a batch scope's `fail`): one function for every input. */
  private readonly failRun = (error: unknown): void => this.failures.error(error);

  /** Whether this run started as many inputs as its `maxInputs` cap allows. */
  private capReached(): boolean {
    return this.runOptions.maxInputs !== undefined && this.started >= this.runOptions.maxInputs;
  }

  /**
   * Ends the run once, however it ended: commits what is settled, writes the outputs (`final_data` and the rest,
   * from the committed records) and the result line (counts from the ledger, so they agree with the files), then
   * releases the lock. Inputs settled when a stop criterion fired are committed, counted and, while someone
   * listens (`emit`), emitted: the files and the counts agree. Without a listener (unsubscribed), the result is
   * written first, synchronously, from the teardown, since the process may exit soon after; the outputs follow.
   */
  private finish(status: TaskStatus, ending: Ending, emit?: (settlement: Settlement) => void): Promise<void> {
    if (this.ended || !this.session) return Promise.resolve();
    this.ended = true;
    const finished = this.end(this.session, status, ending, emit);
    endingRun(this.dir, finished);
    return finished;
  }

  private async end(session: TaskSession, status: TaskStatus, ending: Ending, emit?: (settlement: Settlement) => void): Promise<void> {
    const { ledger, plan } = session;
    const cancelled = emit === undefined;
    plan.close();
    // Settlements the stop caught between their commit and their emission, and those committed now: counted at
    // commit; emitted here while someone listens.
    ledger.flush();
    for (const settlement of this.unemitted.all()) emit?.(settlement);
    // A commit that failed (a full disk) fails the run, whatever ended it.
    let failure: unknown = ledger.failure;
    if (failure !== undefined && status !== 'errored') [status, ending] = ['errored', { reason: 'error', message: errorMessage(failure) }];
    try {
      if (cancelled) this.writeResult(status, ending, session);
      // A run that failed (a full disk, say) keeps its outputs as they were: the next run writes them.
      const postprocess = (this.options.builder as Builder<never>).postprocess;
      if (status === 'cancelled' && postprocess) {
        // Postprocessors need every record and may call a model: a cancelled run leaves the outputs as they were.
        session.log('INFO', 'the outputs were not written: the postprocessors run when the task ends, and this run was cancelled');
      } else if (status !== 'errored') {
        let kept: readonly DataPoint[] | undefined;
        try {
          kept = postprocess ? await this.postprocessed(session, postprocess) : undefined;
        } catch (error) {
          // The records stay in the ledger; the next run postprocesses them again.
          failure = error;
        }
        if (failure === undefined) failure = (await writeOutputs(this.options.outputs, this.dir, ledger, (message) => session.log('WARNING', message), kept)).failed;
      }
      if (failure !== undefined) [status, ending] = ['errored', { reason: 'error', message: errorMessage(failure) }];
      if (!cancelled) this.writeResult(status, ending, session);
      session.log(status === 'errored' ? 'ERROR' : 'INFO', `${status}: ${ending.message}`, { event: 'run_finished', status });
    } finally {
      session.close();
    }
    if (failure !== undefined) throw failure;
  }

  /** Runs the builder's postprocessors over every committed record; what they kept becomes the outputs. */
  private async postprocessed(session: TaskSession, postprocess: NonNullable<Builder<never>['postprocess']>): Promise<readonly DataPoint[]> {
    const { kept, rejected } = await postprocessRecords(session.ledger.restored(), postprocess, join(this.dir, taskFiles.postprocessRejections));
    this.postprocessRejected = rejected;
    session.log('INFO', `postprocessors kept ${kept.length} of ${kept.length + rejected} records`);
    return kept;
  }

  private writeResult(status: TaskStatus, { reason, message }: Ending, { ledger, files, runId }: TaskSession): void {
    const { options, progress } = this;
    const result: TaskResult = {
      task_name: options.name,
      run_id: runId,
      build_id: options.buildId,
      process_id: process.pid,
      status,
      reason,
      message,
      start_time: this.startTime,
      end_time: new Date(options.scheduler.now()).toISOString(),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      metrics: {
        'Number of data produced': ledger.records,
        records_restored: ledger.summary.records,
        records_rejected: progress.rejected,
        lm_calls: progress.usage.calls,
        lm_calls_cached: progress.usage.cachedCalls,
        prompt_tokens: progress.usage.promptTokens,
        completion_tokens: progress.usage.completionTokens,
        cost_usd: progress.usage.costUsd,
        ...(this.postprocessRejected === undefined ? {} : { records_removed_by_postprocessors: this.postprocessRejected }),
      },
      usage_by_model: progress.usage.byModel,
      ...(progress.workers === undefined ? {} : { workers: progress.workers }),
    };
    this.hooks.onEnd?.(result, progress);
    files.writeResult(result);
  }
}

/**
 * Committed settlements whose records have not gone out yet, in commit order, each with the progress right after it.
 * Two lists, not a `Map` keyed by settlement: an entry goes in and out per input (see the README's
 * Architecture section), and settlements go out in commit order, so the one asked for is nearly always the first.
 */
class Unemitted {
  private readonly settlements: Settlement[] = [];
  private readonly progress: TaskProgress[] = [];

  add(settlement: Settlement, progress: TaskProgress): void {
    this.settlements.push(settlement);
    this.progress.push(progress);
  }

  /** The progress right after `settlement`, while it has not gone out. */
  progressOf(settlement: Settlement): TaskProgress | undefined {
    const at = this.indexOf(settlement);
    return at === -1 ? undefined : this.progress[at];
  }

  /** `settlement` has gone out. */
  take(settlement: Settlement): void {
    const at = this.indexOf(settlement);
    if (at === 0) {
      this.settlements.shift();
      this.progress.shift();
    } else if (at > 0) {
      this.settlements.splice(at, 1);
      this.progress.splice(at, 1);
    }
  }

  /** Every settlement not gone out, in commit order (a copy: emitting them takes them off). */
  all(): Settlement[] {
    return [...this.settlements];
  }

  private indexOf(settlement: Settlement): number {
    return this.settlements[0] === settlement ? 0 : this.settlements.indexOf(settlement);
  }
}

/**
 * A task's stop criteria: the misconfiguration check first (its inputs made nothing, so it names the cause better
 * than a stall), the target and the stall limit of a generation, the task's own, then the LM failure rate. The
 * misconfiguration check waits for min(10, the target or the input rows) inputs.
 */
function criteriaOf(options: ParsedTaskOptions): StopCriterion[] {
  const failureRate = hasFailureRate(options.maxFailureRate, { after: options.failureRateAfter });
  const generation = options.kind === 'generation' ? [isRecordCount(options.numOutputsToGenerate), isStalled(options.maxStalledAttempts)] : [];
  const inputs = options.kind === 'generation' ? options.numOutputsToGenerate : Array.isArray(options.data) ? options.data.length : misconfiguredAfter;
  return [isMisconfigured(Math.max(1, Math.min(misconfiguredAfter, inputs))), ...generation, ...options.stopWhen, failureRate];
}

/** The `misconfigured` ending, when every input of the run so far was rejected by one config-shaped issue. */
function misconfiguredEnding(progress: TaskProgress): Ending | undefined {
  const message = describeConfigIssue(progress);
  return message === undefined ? undefined : { reason: 'misconfigured', message };
}

/**
 * Hands each outcome to the ledger (but restored ones: committed by an earlier run) and emits each input's
 * settlement once committed, in commit order, with the progress right after it (`progressOf`); completes when the
 * outcomes ended and every commit they started is done. As `mergeMap` over a promise of each input's commit would,
 * without an inner Observable nor a promise per input: one listener (`ledger.take`) hears of every commit.
 */
function committed(ledger: Ledger, progressOf: (settlement: Settlement) => TaskProgress): OperatorFunction<Outcome<DataPoint>, Settled> {
  return (source) =>
    new Observable<Settled>((subscriber) => {
      let pending = 0;
      let sourceDone = false;
      const listener: CommitListener = {
        committed: (settlement) => {
          pending -= 1;
          if (subscriber.closed) return;
          subscriber.next({ settlement, progress: progressOf(settlement) });
          if (sourceDone && pending === 0) subscriber.complete();
        },
        failed: (error) => {
          pending -= 1;
          subscriber.error(error);
        },
      };
      return source.subscribe({
        next: (outcome) => {
          // A synchronous source may go on emitting after this failed, before its subscription is known.
          if (subscriber.closed || outcome.status === 'restored') return;
          let settles: boolean;
          try {
            settles = ledger.take(outcome, listener);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          if (settles) pending += 1;
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          if (pending === 0) subscriber.complete();
        },
      });
    });
}

/** Records of an input a dedupe rejected as duplicates: equal to records kept, so as good an example as they are. */
function duplicatesOf({ rejections }: Settlement): DataPoint[] {
  if (rejections.length === 0) return [];
  // As the dedupe received them: a duplicate's marks would make it another record than the one kept in its place.
  return rejections.filter((rejection) => rejection.issues.some((issue) => issue.code === 'duplicate')).map((rejection) => (rejection.received ?? rejection.record) as DataPoint);
}
