import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import { redactUrl } from '../redact-url.ts';
import { type RunEvent, modelCalledAt } from './run-event.ts';

/** How much the run log says: `debug` is every model call, `info` adds each task's start and end, `warn` is the CLI's default. */
export type RunLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Settings of {@link createRunLog}. */
export interface RunLogOptions {
  /** The least level written. */
  readonly level: RunLogLevel;
  /** `text`: the CLI's `rxdgt: <task>: <message>` lines; `json`: one pino JSON object a line. */
  readonly format: 'text' | 'json';
  /** Where the lines go (the CLI's standard error, or its live report's writer). */
  readonly stream: { write(text: string): unknown };
}

/** The CLI's log of a run. */
export interface RunLog {
  readonly level: RunLogLevel;
  /** Whether a model call can make a line at this level (a failed one at `info`, every one at `debug`). */
  readonly showsModelCalls: boolean;
  /** Writes the lines of a run's events, by level, until they end or the subscription is unsubscribed. */
  observe(events: Observable<RunEvent>): Subscription;
}

/**
 * The run log's level from the CLI's flags: `--debug` gives `debug` (every model call, each task's start and end),
 * `--quiet` gives `error`, and no flag `warn`: a task's warnings, as the CLI has always printed.
 *
 * ## Example
 * ```ts
 * logLevelOf({ debug: true }); // 'debug'
 * logLevelOf({ quiet: true }); // 'error'
 * logLevelOf({});              // 'warn'
 * ```
 */
export function logLevelOf(flags: { readonly debug?: boolean | undefined; readonly quiet?: boolean | undefined }): RunLogLevel {
  if (flags.debug) return 'debug';
  return flags.quiet ? 'error' : 'warn';
}

type Level = Exclude<RunLogLevel, 'silent'>;

/** One line of the log: its level, message and fields (`task` names the task or tasks it is about). */
interface Line {
  readonly level: Level;
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** pino's number of each level: a line is written when its level's number is at least the log's. */
const levelNumbers: Readonly<Record<RunLogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50, silent: Number.POSITIVE_INFINITY };

const taskLogLevels: Readonly<Record<string, Level>> = { INFO: 'info', WARNING: 'warn', ERROR: 'error' };

/** The lines of an event that makes none (an input's, one per input, among them). */
const noLines: readonly Line[] = Object.freeze([]);

/** The log lines of one event (none for most). Credentials in messages are hidden. */
function linesOf(event: RunEvent, taskRunIds: Map<string, string>): readonly Line[] {
  switch (event.type) {
    case 'task-start':
      taskRunIds.set(event.task, event.taskRunId);
      return [{ level: 'info', message: event.target === undefined ? 'started' : `started: ${event.target} records to make`, fields: { task: event.task, event: 'task_started', run_id: event.taskRunId, build_id: event.buildId, target: event.target } }];
    case 'task-log': {
      // The task's start and end are told by `task_started` and `task_finished`.
      if (event.event === 'run_started' || event.event === 'run_finished') return noLines;
      const fields = { task: event.task, event: event.event ?? 'task_log', run_id: taskRunIds.get(event.task) ?? event.runId, build_id: event.buildId };
      return [{ level: taskLogLevels[event.level] ?? 'info', message: redactUrl(event.message), fields }];
    }
    case 'model-call-end': {
      // The model's latency, as the traces' `duration_ms`, and the wait for admission before it.
      const calledAt = modelCalledAt(event);
      const durationMs = event.endedAt - calledAt;
      const waitMs = calledAt - event.startedAt;
      const fields = {
        task: event.tasks.join(', '),
        event: 'model_call',
        run_id: event.runId,
        build_id: event.buildId,
        block: event.block,
        provider: event.provider,
        model: event.model,
        cached: event.cached,
        prompt_tokens: event.promptTokens,
        completion_tokens: event.completionTokens,
        duration_ms: durationMs,
        semaphore_wait_ms: waitMs,
      };
      // A failed call is already a rejected input (`lm_call_failed`, in blocks/<block>.jsonl) and counts toward the
      // failure rate that stops the task: one line each at `info`, not a warning per call.
      if (event.error !== undefined) return [{ level: 'info', message: `${event.usageKey}: call failed: ${redactUrl(event.error)}`, fields: { ...fields, error: redactUrl(event.error) } }];
      const tokens = `${event.promptTokens}+${event.completionTokens} tokens`;
      const waited = waitMs > 0 ? ` (after ${waitMs} ms waiting for admission)` : '';
      return [{ level: 'debug', message: `${event.usageKey}: ${event.cached ? 'cached answer' : tokens} in ${durationMs} ms${waited}`, fields }];
    }
    case 'task-end': {
      const { result } = event;
      taskRunIds.delete(event.task);
      // A task that failed says why in the summary table the CLI prints at the end: an error line here would say it twice.
      const level = 'info';
      const message = result.message === undefined ? result.status : `${result.status}: ${redactUrl(result.message)}`;
      return [{ level, message, fields: { task: event.task, event: 'task_finished', run_id: result.run_id, build_id: event.buildId, status: result.status, reason: result.reason } }];
    }
    default:
      return noLines;
  }
}

/**
 * The CLI's run log, on pino: writes a run's events by level. `info`: each task's start and end (with its status) and
 * each model call that failed for good; `warn`: a task's warnings (its `logs.jsonl` lines at WARNING: a crash repaired,
 * a lock taken over, an output that failed); `error`: a task's ERROR lines; `debug`: every model call, with its tokens
 * and time. A task's other log lines (a resume) are `info`. Text lines read `rxdgt: <task>: <message>`, as the CLI's
 * always have; JSON lines are pino's (`level`, `time`, `msg`) with `task`, `event`, `run_id`, `build_id` and the
 * event's fields. Credentials in URLs quoted by messages are hidden.
 *
 * ## Example
 * ```ts
 * import { RunTelemetry, createRunLog, logLevelOf } from 'rxdgt';
 * const telemetry = new RunTelemetry();
 * const log = createRunLog({ level: logLevelOf({ debug: true }), format: 'text', stream: process.stderr });
 * log.observe(telemetry.events);
 * // rxdgt: samples/geography_qa: generator: openai/gpt-4o: 77+8 tokens in 412 ms
 * ```
 */
export function createRunLog(options: RunLogOptions): RunLog {
  const { stream } = options;
  const destination =
    options.format === 'json'
      ? stream
      : {
          write: (json: string) => {
            const { task, msg } = JSON.parse(json) as { task?: string; msg: string };
            stream.write(`rxdgt: ${task ? `${task}: ` : ''}${msg}\n`);
          },
        };
  // pino is loaded at the first line written: a run that logs nothing (most, at `warn`) never loads it.
  let logger: Logger<never> | undefined;
  const loggerOf = (): Logger<never> => {
    if (logger !== undefined) return logger;
    const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
    logger = pino(
      { level: options.level, base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
      { write: (line: string) => void destination.write(line) },
    );
    return logger;
  };
  const least = levelNumbers[options.level];
  const shows = (level: Level): boolean => levelNumbers[level] >= least;
  return {
    level: options.level,
    showsModelCalls: shows('info'),
    observe(events) {
      const taskRunIds = new Map<string, string>();
      return events.subscribe((event) => {
        // A line per model call (debug, or info when it failed) is only made when the level shows it.
        if (event.type === 'model-call-end' && !shows(event.error === undefined ? 'debug' : 'info')) return;
        for (const { level, message, fields } of linesOf(event, taskRunIds)) if (shows(level)) loggerOf()[level](fields, message);
      });
    },
  };
}
