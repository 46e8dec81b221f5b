import type { AdmissionState } from '../model/admission-config.ts';
import type { EngineCall } from '../model/engine.ts';
import type { RecordIssue, Usage } from '../record.ts';
import type { TaskResult } from '../store/task-result.ts';

/** What every event of a run carries: when it happened (ms since the epoch) and the run's ids. */
interface EventBase {
  /** Milliseconds since the epoch. */
  readonly time: number;
  /** The run's id: one per `rxdgt run` (a task's own `run_id` is on its task events). */
  readonly runId: string;
  readonly buildId: string;
}

/** A run began: its tasks, each with its target. */
export interface RunStartedEvent extends EventBase {
  readonly type: 'run-start';
  readonly tasks: readonly { readonly task: string; readonly target: number | undefined }[];
}

/** A task opened its folder and started making inputs. */
export interface TaskStartedEvent extends EventBase {
  readonly type: 'task-start';
  readonly task: string;
  readonly target: number | undefined;
  /** The task's own run id (kept across resumes of one build: DGT's `run_id` of its task card). */
  readonly taskRunId: string;
}

/** One input settled: the records it made, its rejections with the block and reason of each, what it spent. */
export interface InputSettledEvent extends EventBase {
  readonly type: 'input-end';
  readonly task: string;
  /** The records accepted for this input (already on disk). */
  readonly records: readonly unknown[];
  readonly rejections: readonly { readonly record: unknown; readonly issues: readonly RecordIssue[] }[];
  readonly usage: Usage | undefined;
  /** The worker that ran the input, in a distributed run (`rxdgt run --queue`). */
  readonly worker?: string;
  /** The task's totals after this input. */
  readonly accepted: number;
  readonly rejected: number;
  readonly attempts: number;
}

/** One call to a model through an engine, answered (from the model or its cache) or failed for good. */
export interface ModelCallEvent extends EventBase, Omit<EngineCall, 'error'> {
  readonly type: 'model-call-end';
  /** The tasks whose builder owns the engine (one, unless tasks share a builder's engines). */
  readonly tasks: readonly string[];
  /** The error's message when the call failed for good (after its retries). */
  readonly error?: string;
}

/**
 * When an LM call reached the model (ms since the epoch): its `calledAt`; without one, a failed call's end (it failed
 * waiting) and any other call's start (a cache hit, or an event made by a producer that does not say). From there to
 * `endedAt` is the model's latency (DGT's `duration_ms`), from `startedAt` to there the wait for the limiter and
 * admission (DGT's `semaphore_wait_ms`).
 *
 * @example modelCalledAt({ startedAt: 100, calledAt: 130, endedAt: 180 }) // 130: waited 30 ms, answered in 50
 */
export function modelCalledAt(event: Pick<EngineCall, 'startedAt' | 'calledAt' | 'endedAt' | 'error'>): number {
  return event.calledAt ?? (event.error === undefined ? event.startedAt : event.endedAt);
}

/** The admission control of one credential and endpoint changed (sampled while the run goes on). */
export interface AdmissionEvent extends EventBase {
  readonly type: 'admission-change';
  /** `<block>: <provider>/<model>` of an engine that uses it. */
  readonly engine: string;
  readonly state: AdmissionState;
}

/** A line a task wrote to its `logs.jsonl` (a resume, a repair, a warning). */
export interface TaskLogEvent extends EventBase {
  readonly type: 'task-log';
  readonly task: string;
  readonly level: string;
  readonly message: string;
  readonly event?: string | undefined;
}

/** A task ended; its result line is the one written to `task_results.jsonl`. */
export interface TaskFinishedEvent extends EventBase {
  readonly type: 'task-end';
  readonly task: string;
  readonly result: TaskResult;
}

/** The run ended: `completed` when every task did its job, else `failed` or `cancelled`. */
export interface RunFinishedEvent extends EventBase {
  readonly type: 'run-end';
  readonly status: 'completed' | 'failed' | 'cancelled';
}

/**
 * What happens in a run, as one typed stream ({@link RunTelemetry.events}): the seam the telemetry files, the
 * OpenTelemetry spans and the monitor page read.
 */
export type RunEvent =
  | RunStartedEvent
  | TaskStartedEvent
  | InputSettledEvent
  | ModelCallEvent
  | AdmissionEvent
  | TaskLogEvent
  | TaskFinishedEvent
  | RunFinishedEvent;
