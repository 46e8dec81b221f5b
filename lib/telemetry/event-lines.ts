import { redactUrl } from '../redact-url.ts';
import { isoTime } from './iso-time.ts';
import type { RecordIssue } from '../record.ts';
import type { InputSettledEvent, RunEvent } from './run-event.ts';

/** One line of `events.jsonl`: DGT's fields first, then the event's own. */
export type EventLine = Record<string, unknown> & { readonly timestamp: string; readonly event: string; readonly level: string; readonly message: string };

/** The longest an issue message may be in a `data_point_rejected` line. */
const issueMaxChars = 500;

/** The lines of an event that makes none: most events, a model call's (one per LM call) first among them. */
const noLines: readonly EventLine[] = Object.freeze([]);
const noTexts: readonly string[] = Object.freeze([]);

/** A rejected record's issues as its line lists them: block, code, message (credentials hidden, cut to 500 characters). */
function reasonsOf(issues: readonly RecordIssue[]): { block: string; code: string; message: string }[] {
  return issues.map(({ block, code, message }) => ({ block, code, message: redactUrl(message).slice(0, issueMaxChars) }));
}

/** A task's own log lines of its start and end (`run_started`, `run_finished`): `task_started` and `task_finished` record them already. */
const repeated = new Set(['run_started', 'run_finished']);

/**
 * The lines of DGT's `events.jsonl` a run's events make, in DGT's shape (`timestamp`, `event`, `level`, `message`,
 * `build_id`, `run_id`, then the event's fields). `run_id` is the task's run id on a task's lines (as in
 * `task_results.jsonl`), the run's otherwise. Events: `run_started`, `task_started`, `data_point_rejected` (one per
 * rejected record, as DGT's validators log it), `task_finished`, `run_finished` (`run_errored` when the run failed),
 * a task's warnings and errors (`task_warning`, `task_error`, or the log line's own event name), and
 * `admission_changed` when an engine's admission control changes its concurrency, pause or rate limits (not for
 * requests merely starting and ending). Model calls are spans, in `traces.jsonl`.
 */
export class EventLines {
  private readonly taskRunIds = new Map<string, string>();
  private readonly admissions = new Map<string, string>();
  /** The middle of the last rejection line made (`"message"` to `"issues":`), with what it was made of; none at first. */
  private rejectedMiddle: { readonly of: readonly string[]; readonly text: string } | undefined;
  /** The `issues` text of the last rejection with one issue, with that issue's block, code and message; none at first. */
  private oneIssue: { readonly block: string; readonly code: string; readonly message: string; readonly text: string } | undefined;

  /**
   * The lines of one event as JSON text: `JSON.stringify` of each of `of(event)`, byte for byte. A rejected record's
   * line (one per duplicate, say) is written out directly, the parts it shares with the rejection before it made once.
   */
  textsOf(event: RunEvent): readonly string[] {
    if (event.type !== 'input-end' || event.rejections.length === 0) {
      const lines = this.of(event);
      return lines.length === 0 ? noTexts : lines.map((line) => JSON.stringify(line));
    }
    const runId = this.taskRunIds.get(event.task) ?? event.runId;
    const opening = `{"timestamp":"${isoTime(event.time)}","event":"data_point_rejected","level":"INFO",`;
    return event.rejections.map(({ issues }) => `${opening}${this.middleOf(event, runId, issues)}${this.issuesText(issues)}}`);
  }

  /** `"message":…,"build_id":…,"run_id":…,"block_name":…,"task_name":…,"reason":…,"issues":` of a rejection line. */
  private middleOf(event: InputSettledEvent, runId: string, issues: readonly RecordIssue[]): string {
    const block = issues[0]?.block ?? 'unknown';
    const reason = issues[0]?.code ?? 'unknown';
    const last = this.rejectedMiddle;
    if (last !== undefined && block === last.of[0] && reason === last.of[1] && event.task === last.of[2] && runId === last.of[3] && event.buildId === last.of[4]) return last.text;
    const text =
      `"message":${JSON.stringify(`Data point rejected by block '${block}'`)},"build_id":${JSON.stringify(event.buildId)},"run_id":${JSON.stringify(runId)},` +
      `"block_name":${JSON.stringify(block)},"task_name":${JSON.stringify(event.task)},"reason":${JSON.stringify(reason)},"issues":`;
    this.rejectedMiddle = { of: [block, reason, event.task, runId, event.buildId], text };
    return text;
  }

  /** The `issues` list of a rejection line as JSON. */
  private issuesText(issues: readonly RecordIssue[]): string {
    if (issues.length !== 1) return JSON.stringify(reasonsOf(issues));
    const { block, code, message } = issues[0]!;
    const last = this.oneIssue;
    if (last !== undefined && block === last.block && code === last.code && message === last.message) return last.text;
    const text = JSON.stringify(reasonsOf(issues));
    this.oneIssue = { block, code, message, text };
    return text;
  }

  /** The lines of one event (often none). */
  of(event: RunEvent): readonly EventLine[] {
    // The events of every LM call and every input that kept its records make no line: nothing is made for them.
    if (event.type === 'model-call-end' || (event.type === 'input-end' && event.rejections.length === 0)) return noLines;
    // DGT's fields, then the event's assigned onto them (a spread after fields of its own takes V8's slow path: a line
    // per rejected record).
    const at = (level: string, name: string, message: string, fields: Record<string, unknown> = {}, runId = event.runId): EventLine =>
      Object.assign({ timestamp: isoTime(event.time), event: name, level, message, build_id: event.buildId, run_id: runId }, fields);
    const runIdOf = (task: string): string => this.taskRunIds.get(task) ?? event.runId;
    switch (event.type) {
      case 'run-start':
        return [at('INFO', 'run_started', `Run started with ${event.tasks.length} task(s)`, { task_names: event.tasks.map(({ task }) => task), targets: Object.fromEntries(event.tasks.map(({ task, target }) => [task, target ?? null])) })];
      case 'task-start':
        this.taskRunIds.set(event.task, event.taskRunId);
        return [at('INFO', 'task_started', `Task '${event.task}' started`, { task_name: event.task, target: event.target ?? null }, event.taskRunId)];
      case 'input-end':
        return event.rejections.map(({ issues }) => {
          const block = issues[0]?.block ?? 'unknown';
          const reasons = reasonsOf(issues);
          return at('INFO', 'data_point_rejected', `Data point rejected by block '${block}'`, { block_name: block, task_name: event.task, reason: issues[0]?.code ?? 'unknown', issues: reasons }, runIdOf(event.task));
        });
      case 'task-log': {
        if (event.event !== undefined && repeated.has(event.event)) return noLines;
        if (event.level === 'INFO' && event.event === undefined) return noLines;
        const name = event.event ?? (event.level === 'ERROR' ? 'task_error' : 'task_warning');
        return [at(event.level, name, redactUrl(event.message), { task_name: event.task }, runIdOf(event.task))];
      }
      case 'task-end': {
        const { result } = event;
        const level = result.status === 'errored' || result.status === 'failed' ? 'ERROR' : result.status === 'completed' ? 'INFO' : 'WARNING';
        const message = result.message === undefined ? `Task '${event.task}' finished: ${result.status}` : `Task '${event.task}' finished: ${redactUrl(result.message)}`;
        this.taskRunIds.delete(event.task);
        return [
          at(level, 'task_finished', message, {
            task_name: event.task,
            reason: result.reason ?? result.status,
            status: result.status,
            ...(result.metrics === undefined ? {} : { metrics: result.metrics }),
            ...(result.usage_by_model === undefined ? {} : { usage_by_model: result.usage_by_model }),
          }, result.run_id),
        ];
      }
      case 'run-end':
        if (event.status === 'failed') return [at('ERROR', 'run_errored', 'Run errored', { status: 'errored' })];
        return [at(event.status === 'completed' ? 'INFO' : 'WARNING', 'run_finished', `Run finished: ${event.status}`, { status: event.status })];
      case 'admission-change': {
        const { concurrency, maxConcurrency, pausedUntil, rpm, tpm, active, queued } = event.state;
        const policy = JSON.stringify([concurrency, maxConcurrency, pausedUntil, rpm, tpm]);
        const before = this.admissions.get(event.engine);
        this.admissions.set(event.engine, policy);
        if (before === undefined || before === policy) return [];
        const paused = pausedUntil === undefined ? {} : { paused_until: new Date(pausedUntil).toISOString() };
        const message = `Admission of ${event.engine}: concurrency ${concurrency} of ${maxConcurrency}${pausedUntil === undefined ? '' : ', paused'}`;
        return [at(pausedUntil === undefined ? 'INFO' : 'WARNING', 'admission_changed', message, { engine: event.engine, concurrency, max_concurrency: maxConcurrency, active, queued, rpm: rpm ?? null, tpm: tpm ?? null, ...paused })];
      }
    }
  }
}
