import { randomUUID } from 'node:crypto';
import { type Observable, type Subscriber, Subject, concatMap, from, map, mergeMap, startWith, tap } from 'rxjs';
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
const statusOfReason: Readonly<Record<string, TaskResult['status']>> = { complete: 'completed', failure_rate: 'failed', stalled: 'stalled', time_elapsed: 'time_elapsed' };

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
  private stopped: { readonly criterion: StopCriterion; readonly progress: TaskProgress } | undefined;
  /** Inputs inside the builder (holding an LM slot or waiting for one). */
  private inFlight = 0;
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
    const subscription = from(planInputs(this.options, this.store))
      .pipe(concatMap((plan) => this.outcomes(plan)))
      .subscribe({
        next: (outcome) => {
          if (outcome.status === 'accepted') subscriber.next(outcome.record);
        },
        error: (error: unknown) => {
          void this.store.close().finally(() => {
            this.end('errored', 'error', errorMessage(error));
            subscriber.error(error);
          });
        },
        complete: () => {
          this.store.finish().then(() => {
            const reason = this.stopped?.criterion.reason ?? 'complete';
            this.end(statusOfReason[reason] ?? 'completed', reason, this.stopped?.criterion.describe(this.stopped.progress));
            subscriber.complete();
          }, (error: unknown) => subscriber.error(error));
        },
      });
    return () => {
      subscription.unsubscribe();
      // A consumer that takes exactly the target (`take(n)`) unsubscribes before completion reaches us.
      if (!this.ended && this.options.kind === 'generation' && this.acceptedSoFar() >= this.options.numOutputsToGenerate) {
        this.store.finishSync();
        this.end('completed', 'complete', `${this.acceptedSoFar()} of ${this.options.numOutputsToGenerate} records made`);
      }
      this.end('cancelled', 'cancelled', 'unsubscribed before the task ended');
      void this.store.close();
    };
  }

  /**
   * Restored records first (they rebuild dedup state), then inputs as room allows, through the builder.
   * Stop criteria sit between the builder and the disk: stopping aborts the LM calls still in flight, while
   * the outcomes already made finish their writes and are emitted and counted, so the files and the
   * task's result agree.
   */
  private outcomes(plan: InputPlan): Observable<Outcome<DataPoint>> {
    this.plan = plan;
    // concatMap subscribes the pipeline below synchronously; inputs start right after.
    queueMicrotask(() => this.pump());
    const restored = plan.restored.map((record): Restored => ({ status: 'restored', attempt: -1, record }));
    return this.inputs.pipe(
      startWith(...(restored as Outcome<never>[])),
      this.options.builder as Builder<never>,
      tap((outcome) => this.leaveBuilder(outcome)),
      stopWhen<DataPoint>(this.criteria(), { scheduler: this.options.scheduler, onStop: (criterion, progress) => (this.stopped = { criterion, progress }) }),
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

  /** Records made so far, counting restored ones from the start, before their replay reaches the end. */
  private acceptedSoFar(): number {
    return (this.plan?.restored.length ?? 0) + this.progress.accepted - this.progress.restored;
  }

  /** Starts as many inputs as the plan has room for. Re-entrant calls (a synchronous outcome) are folded in. */
  private pump(): void {
    const { plan } = this;
    if (this.pumping || !plan) return;
    this.pumping = true;
    const writeRoom = (): number => this.options.concurrency - this.writing;
    while (!this.stopped && !this.exhausted && writeRoom() > 0 && plan.room(this.acceptedSoFar() + this.persisting, this.inFlight) > 0) {
      const input = plan.next();
      if (input === undefined) this.exhausted = true;
      else {
        this.inFlight += 1;
        this.inputs.next(accepted(this.attempt++, input) as Outcome<never>);
      }
    }
    this.pumping = false;
    if (this.exhausted && this.inFlight === 0) this.inputs.complete();
  }

  /** An input's outcome left the builder: its slot is free for the next input while the outcome is written. */
  private leaveBuilder(outcome: Outcome<DataPoint>): void {
    if (outcome.status === 'restored') return;
    this.inFlight -= 1;
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

  private end(status: TaskResult['status'], reason: string, message: string | undefined): void {
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
      ...(message ? { message } : {}),
      start_time: this.startTime,
      end_time: new Date(options.scheduler.now()).toISOString(),
      metrics: {
        'Number of data produced': this.acceptedSoFar(),
        records_restored: progress.restored,
        records_rejected: progress.rejected,
        lm_calls: progress.usage.calls,
        lm_calls_cached: progress.usage.cachedCalls,
        prompt_tokens: progress.usage.promptTokens,
        completion_tokens: progress.usage.completionTokens,
      },
    };
    this.store.writeResultSync(result, this.plan?.loader?.position);
    this.hooks.onEnd?.(result, progress);
  }
}
