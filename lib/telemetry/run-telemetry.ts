import { randomUUID } from 'node:crypto';
import { type Observable, Subject, Subscription, interval } from 'rxjs';
import { errorMessage } from '../error-message.ts';
import type { AdmissionState } from '../model/admission-config.ts';
import type { Engine } from '../model/engine.ts';
import type { RunHooks, Task } from '../run/task.ts';
import type { InputSettledEvent, ModelCallEvent, RunEvent } from './run-event.ts';

/** Settings of a {@link RunTelemetry}. */
export interface RunTelemetryOptions {
  /** The run's build id (`--build-id`). @default 'exp' */
  readonly buildId?: string | undefined;
  /** The run's id. @default a random UUID */
  readonly runId?: string | undefined;
  /** How often the engines' admission state is read while the run goes on (ms); a change makes an event. @default 1000 */
  readonly admissionEveryMs?: number | undefined;
  /** The clock of the events' `time` (ms since the epoch). @default Date.now */
  readonly now?: (() => number) | undefined;
  /**
   * Whether each settled input makes an `input-end` event (its records, rejections and usage). Off for a run whose
   * readers want its lifecycle alone (the CLI with no telemetry files, monitor or OpenTelemetry): no event per input.
   * @default true
   */
  readonly settledInputs?: boolean | undefined;
}

/** The rejections of an input that kept every record (most inputs): one list for all of them. */
const noRejections: InputSettledEvent['rejections'] = Object.freeze([]);

/** Distributive `Omit`: the fields of each member of a union but those named. */
type Without<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * The events of one run as one typed stream, {@link RunEvent}: what the telemetry files, OpenTelemetry spans and the
 * monitor read. Fed by the tasks' hooks ({@link RunTelemetry.hooks}) and the engines' calls ({@link RunTelemetry.watch}).
 * Hot: a reader subscribes before the run starts to see all of it.
 *
 * ## Example
 * ```ts
 * import { RunTelemetry, prepareRun, runTasks } from 'rxdgt';
 * const run = await prepareRun({ taskPaths: ['samples/geography-qa'], simulated: true });
 * const telemetry = new RunTelemetry();
 * telemetry.events.subscribe((event) => console.log(event.type));
 * telemetry.started(run.tasks);
 * const watching = telemetry.watch(run.tasks, run.enginesOf);
 * runTasks(run.tasks, { hooks: (task) => telemetry.hooks(task) }).subscribe({
 *   complete: () => (watching.unsubscribe(), telemetry.finished('completed')),
 * });
 * ```
 */
export class RunTelemetry {
  readonly runId: string;
  readonly buildId: string;
  private readonly subject = new Subject<RunEvent>();
  readonly events: Observable<RunEvent> = this.subject.asObservable();
  private readonly admissionEveryMs: number;
  private readonly now: () => number;
  private readonly settledInputs: boolean;

  constructor(options: RunTelemetryOptions = {}) {
    this.runId = options.runId ?? randomUUID();
    this.buildId = options.buildId ?? 'exp';
    this.admissionEveryMs = options.admissionEveryMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.settledInputs = options.settledInputs ?? true;
  }

  /** Emits an event of this run, stamped with the time and the run's ids. */
  emit(event: Without<RunEvent, 'time' | 'runId' | 'buildId'>): void {
    this.subject.next({ time: this.now(), runId: this.runId, buildId: this.buildId, ...event } as RunEvent);
  }

  /** The run begins with these tasks. */
  started(tasks: readonly Task[]): void {
    this.emit({ type: 'run-start', tasks: tasks.map((task) => ({ task: task.name, target: task.target })) });
  }

  /** The hooks that tell this telemetry what a task does; `inner` hooks are called too (a progress display's). */
  hooks(task: Task, inner: RunHooks = {}): RunHooks {
    return {
      onStart: (start) => {
        this.emit({ type: 'task-start', task: task.name, target: task.target, taskRunId: start.runId });
        inner.onStart?.(start);
      },
      onSettle: (settlement, progress) => {
        if (!this.settledInputs) return inner.onSettle?.(settlement, progress);
        // An event per input: made whole here, stamped as `emit` does, without a copy of a copy.
        const event: Record<string, unknown> = {
          time: this.now(),
          runId: this.runId,
          buildId: this.buildId,
          type: 'input-end',
          task: task.name,
          records: settlement.records,
          rejections: settlement.rejections.length === 0 ? noRejections : settlement.rejections.map(({ record, issues }) => ({ record, issues })),
          usage: settlement.usage,
          accepted: progress.accepted,
          rejected: progress.rejected,
          attempts: progress.attempts,
        };
        if (settlement.worker !== undefined) event['worker'] = settlement.worker;
        this.subject.next(event as unknown as InputSettledEvent);
        inner.onSettle?.(settlement, progress);
      },
      onProgress: (progress) => inner.onProgress?.(progress),
      onLog: (entry) => {
        this.emit({ type: 'task-log', task: task.name, level: entry.level, message: entry.message, event: entry.event });
        inner.onLog?.(entry);
      },
      onEnd: (result, progress) => {
        this.emit({ type: 'task-end', task: task.name, result });
        inner.onEnd?.(result, progress);
      },
    };
  }

  /**
   * Follows the engines of the tasks (those made while the run goes on too): each call ends as a `model-call-end` event,
   * and each admission's state is read every `admissionEveryMs`, a change making an `admission-change` event. Unsubscribe
   * when the run ends.
   */
  watch(tasks: readonly Task[], enginesOf: (task: Task) => readonly Engine[]): Subscription {
    const watching = new Subscription();
    // The tasks owning each engine: a list replaced, never changed, when a task joins, so each event shares it.
    const owners = new Map<Engine, readonly string[]>();
    const lastStates = new Map<string, string>();
    const follow = (): void => {
      for (const task of tasks) {
        for (const engine of enginesOf(task)) {
          const known = owners.get(engine);
          if (known) {
            if (!known.includes(task.name)) owners.set(engine, Object.freeze([...known, task.name]));
            continue;
          }
          owners.set(engine, Object.freeze([task.name]));
          // One event object per call, stamped as `emit` does, its fields set one by one (a call per record: a spread
          // after fields of its own takes V8's slow path, and a copy of a copy costs twice).
          watching.add(
            engine.calls.subscribe((call) => {
              const event: { -readonly [K in keyof ModelCallEvent]: ModelCallEvent[K] } = {
                time: this.now(),
                runId: this.runId,
                buildId: this.buildId,
                type: 'model-call-end',
                block: call.block,
                usageKey: call.usageKey,
                provider: call.provider,
                model: call.model,
                startedAt: call.startedAt,
                calledAt: call.calledAt,
                endedAt: call.endedAt,
                cached: call.cached,
                promptTokens: call.promptTokens,
                completionTokens: call.completionTokens,
                request: call.request,
                texts: call.texts,
                tasks: owners.get(engine)!,
              };
              if (call.error !== undefined) event.error = errorMessage(call.error);
              this.subject.next(event);
            }),
          );
        }
      }
      for (const engine of owners.keys()) {
        const key = `${engine.name}: ${engine.model.provider}/${engine.model.modelId}`;
        const state: AdmissionState = engine.admission.state;
        const seen = JSON.stringify(state);
        if (lastStates.get(key) === seen) continue;
        lastStates.set(key, seen);
        this.emit({ type: 'admission-change', engine: key, state });
      }
    };
    follow();
    watching.add(interval(this.admissionEveryMs).subscribe(follow));
    // A last reading as the run ends: the engines' final state (nothing in flight), not the one a second before.
    watching.add(() => follow());
    return watching;
  }

  /** The run ended; the stream completes. */
  finished(status: 'completed' | 'failed' | 'cancelled'): void {
    this.emit({ type: 'run-end', status });
    this.subject.complete();
  }
}
