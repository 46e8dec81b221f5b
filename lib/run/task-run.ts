import { randomUUID } from 'node:crypto';
import { EMPTY, type Observable, type Subscriber, Subject, concat, concatMap, from, map, mergeMap, tap } from 'rxjs';
import { stopWhen } from '../../operators/stop-when.ts';
import { errorMessage } from '../error-message.ts';
import { accepted } from '../outcome.ts';
import type { DataPoint, Outcome, Restored } from '../record.ts';
import type { TaskResult, TaskStore } from '../store/task-store.ts';
import { type InputPlan, planInputs } from './input-plan.ts';
import { type StopCriterion, hasFailureRate, isRecordCount, isStalled } from './stop-criteria.ts';
import type { Builder, ParsedTaskOptions, RunHooks } from './task-options.ts';
import { type TaskProgress, advanceProgress, initialProgress } from './task-progress.ts';

/** Statuses named after the stop criterion that ended a task. */
const statusOfReason: Readonly<Record<string, TaskResult['status']>> = {
  complete: 'completed',
  already_complete: 'completed',
  failure_rate: 'failed',
  stalled: 'stalled',
  time_elapsed: 'time_elapsed',
  token_budget: 'budget_spent',
  cost_budget: 'budget_spent',
};

/** How a task ended, once known. */
interface Ending {
  readonly reason: string;
  readonly message: string;
}

/**
 * One subscription of a task: feeds inputs into the builder no faster than the target allows, appends each
 * outcome to disk before passing it on, and writes the task's result when it ends, however it ends.
 */
export class TaskRun {
  private readonly runId = randomUUID();
  private readonly startTime: string;
  private readonly inputs = new Subject<Outcome<never>>();
  private progress: TaskProgress;
  private plan: InputPlan | undefined;
  /** Records an earlier run made (counted from the start, before their replay reaches the end). */
  private restoredCount = 0;
  private ending: Ending | undefined;
  /** Inputs inside the builder, by attempt: the first outcome of an attempt frees its slot. */
  private readonly inFlight = new Set<number>();
  /** Accepted records out of the builder, still being appended to disk: they count toward the target. */
  private persisting = 0;
  /** Outcomes out of the builder still being written. Bounded, so a fast model cannot outrun the disk. */
  private writing = 0;
  private attempt = 0;
  private pumping = false;
  private exhausted = false;
  private ended = false;

  constructor(
    private readonly options: ParsedTaskOptions,
    private readonly store: TaskStore,
    private readonly hooks: RunHooks,
  ) {
    const now = options.scheduler.now();
    this.startTime = new Date(now).toISOString();
    this.progress = initialProgress(now);
  }

  /** Starts the run into `subscriber`; returns the teardown. */
  start(subscriber: Subscriber<DataPoint>): () => void {
    // Ending writes files: if that fails (an unwritable folder), the subscriber still hears about it.
    const settle = (status: TaskResult['status'], ending: Ending, done: () => void): void => {
      try {
        this.end(status, ending);
        done();
      } catch (error) {
        subscriber.error(error);
      }
    };
    const subscription = from(planInputs(this.options, this.store))
      .pipe(concatMap(({ restored, plan }) => this.outcomes(restored, plan)))
      .subscribe({
        next: (outcome) => {
          if (outcome.status === 'accepted') subscriber.next(outcome.record);
        },
        error: (error: unknown) => {
          void this.store
            .close()
            .catch(() => undefined)
            .then(() => settle('errored', { reason: 'error', message: errorMessage(error) }, () => subscriber.error(error)));
        },
        complete: () => {
          const ending = this.ending ?? { reason: 'complete', message: `${this.acceptedSoFar()} records made` };
          this.store
            .finish()
            .then(() => settle(statusOfReason[ending.reason] ?? 'completed', ending, () => subscriber.complete()))
            .catch((error: unknown) => subscriber.error(error));
        },
      });
    return () => {
      subscription.unsubscribe();
      if (this.ended) return;
      try {
        // A consumer that takes exactly the target (`take(n)`) unsubscribes before completion reaches us.
        if (this.options.kind === 'generation' && this.acceptedSoFar() >= this.options.numOutputsToGenerate) {
          this.store.finishSync();
          this.end('completed', { reason: 'complete', message: `${this.acceptedSoFar()} of ${this.options.numOutputsToGenerate} records made` });
        } else this.end('cancelled', { reason: 'cancelled', message: 'unsubscribed before the task ended' });
      } catch {
        // Nobody is listening any more; the records already emitted are on disk.
      }
      void this.store.close().catch(() => undefined);
    };
  }

  /**
   * Restored records first (they rebuild dedup state), then inputs as room allows, through the builder.
   * Stop criteria sit between the builder and the disk: stopping aborts the LM calls still in flight, while
   * the outcomes already made finish their writes and are emitted and counted, so the files and the
   * task's result agree.
   */
  private outcomes(restored: readonly DataPoint[], plan: InputPlan): Observable<Outcome<DataPoint>> {
    this.plan = plan;
    this.restoredCount = restored.length;
    const { options } = this;
    if (options.kind === 'generation' && restored.length >= options.numOutputsToGenerate) {
      this.ending = { reason: 'already_complete', message: `${restored.length} records already made (target ${options.numOutputsToGenerate})` };
      return EMPTY;
    }
    // concatMap subscribes the pipeline below synchronously; inputs start right after.
    queueMicrotask(() => this.pump());
    const replay = from(restored.map((record): Restored => ({ status: 'restored', attempt: -1, record })));
    return concat(replay as Observable<Outcome<never>>, this.inputs).pipe(
      options.builder as Builder<never>,
      tap((outcome) => this.leaveBuilder(outcome)),
      stopWhen<DataPoint>(this.criteria(), {
        scheduler: options.scheduler,
        onStop: (criterion, progress) => (this.ending = { reason: criterion.reason, message: criterion.describe(progress) }),
      }),
      mergeMap((outcome) => from(this.persist(outcome)).pipe(map(() => outcome))),
      tap((outcome) => this.record(outcome)),
    );
  }

  private criteria(): StopCriterion[] {
    const { options } = this;
    const failureRate = hasFailureRate(options.maxFailureRate, { after: options.failureRateAfter });
    const generation = options.kind === 'generation' ? [isRecordCount(options.numOutputsToGenerate), isStalled(options.maxStalledAttempts)] : [];
    return [...generation, ...options.stopWhen, failureRate];
  }

  /** Records made so far, restored ones included. */
  private acceptedSoFar(): number {
    return this.restoredCount + this.progress.accepted - this.progress.restored;
  }

  /** Starts as many inputs as the plan has room for. Re-entrant calls (a synchronous outcome) are folded in. */
  private pump(): void {
    const { plan } = this;
    if (this.pumping || !plan) return;
    this.pumping = true;
    const writeRoom = (): number => this.options.concurrency - this.writing;
    while (!this.ending && !this.exhausted && writeRoom() > 0 && plan.room(this.acceptedSoFar() + this.persisting, this.inFlight.size) > 0) {
      const input = plan.next();
      if (input === undefined) this.exhausted = true;
      else {
        this.inFlight.add(this.attempt);
        this.inputs.next(accepted(this.attempt++, input) as Outcome<never>);
      }
    }
    this.pumping = false;
    if (this.exhausted && this.inFlight.size === 0) this.inputs.complete();
  }

  /** An input's outcome left the builder: its slot is free for the next input while the outcome is written. */
  private leaveBuilder(outcome: Outcome<DataPoint>): void {
    if (outcome.status === 'restored') return;
    this.inFlight.delete(outcome.attempt);
    this.writing += 1;
    if (outcome.status === 'accepted') this.persisting += 1;
    this.pump();
  }

  private record(outcome: Outcome<DataPoint>): void {
    if (outcome.status !== 'restored') this.writing -= 1;
    if (outcome.status === 'accepted') this.persisting -= 1;
    this.progress = advanceProgress(this.progress, outcome, this.options.scheduler.now());
    if (outcome.status !== 'rejected') this.plan?.loader?.addMachine(outcome.record, this.progress.accepted);
    this.hooks.onProgress?.(this.progress);
    // A finished write may be what held the next input back.
    this.pump();
  }

  /** Appends an outcome to its file: accepted records to `data.jsonl`, rejections to `blocks/<block>.jsonl`. */
  private persist(outcome: Outcome<DataPoint>): Promise<void> {
    if (outcome.status === 'accepted') return this.store.data.append(outcome.record);
    if (outcome.status === 'restored') return Promise.resolve();
    const block = outcome.issues[0]?.block ?? 'unknown';
    // A generation input carries its whole seed batch: leave it out so reject lines stay small.
    const { examples: _examples, ...record } = (outcome.record ?? {}) as { examples?: unknown };
    return this.store.appendRejected(block, { ...record, attempt: outcome.attempt, issues: outcome.issues });
  }

  /** Writes the task's result line once, however the task ended. */
  private end(status: TaskResult['status'], { reason, message }: Ending): void {
    if (this.ended) return;
    this.ended = true;
    const { options, progress } = this;
    const result: TaskResult = {
      task_name: options.name,
      run_id: this.runId,
      build_id: options.buildId,
      process_id: process.pid,
      status,
      reason,
      message,
      start_time: this.startTime,
      end_time: new Date(options.scheduler.now()).toISOString(),
      metrics: {
        'Number of data produced': this.acceptedSoFar(),
        records_restored: this.restoredCount,
        records_rejected: progress.rejected,
        lm_calls: progress.usage.calls,
        lm_calls_cached: progress.usage.cachedCalls,
        prompt_tokens: progress.usage.promptTokens,
        completion_tokens: progress.usage.completionTokens,
        cost_usd: progress.usage.costUsd,
      },
      usage_by_model: progress.usage.byModel,
    };
    this.hooks.onEnd?.(result, progress);
    this.store.writeResultSync(result, this.plan?.loader?.position);
  }
}
