import { spanId } from './span-id.ts';
import { redactUrl } from '../redact-url.ts';
import { llmCallPayload } from './llm-call-payload.ts';
import { type InputSettledEvent, type ModelCallEvent, type RunEvent, type TaskFinishedEvent, modelCalledAt } from './run-event.ts';

/** DGT's span names, kept so DGT's tools read rxdgt's traces. */
export type RunSpanName = 'dgt.run' | 'dgt.task' | 'dgt.block' | 'dgt.llm_call';

/** How a span ended: `cancelled` when the run stopped it, or the events ended before it did. */
export type RunSpanStatus = 'ok' | 'error' | 'cancelled';

/** One span of a run, as {@link RunSpans} follows it: its place in the tree, its times (ms since the epoch) and its attributes. */
export interface RunSpan {
  readonly name: RunSpanName;
  /** 16 hex digits, unique in the run. */
  readonly spanId: string;
  readonly parent: RunSpan | undefined;
  readonly buildId: string;
  /** The task's run id (`task_results.jsonl`'s `run_id`) for a task's spans; the run's id for the others. */
  readonly runId: string;
  readonly startTime: number;
  endTime: number | undefined;
  status: RunSpanStatus;
  /** The error's message (credentials hidden), when the span failed. */
  error: string | undefined;
  /** DGT-style attribute names (`task_name`, `prompt_tokens`); values are JSON. */
  readonly attributes: Record<string, unknown>;
}

/**
 * The attributes of a `dgt.llm_call` span, in the order they are set; with `recordPayloads`, DGT's payload fields
 * (`prompt` or `messages`, `completion`, `payload_truncated`) follow.
 */
export interface LlmCallAttributes {
  readonly provider: string;
  readonly model_id: string;
  readonly method: 'chat_completion' | 'completion';
  readonly batch_size: 1;
  /** The block of the call's engine, as the monitor reads it (DGT's LM call spans have none; its `dgt.block` spans say `block_name`). */
  readonly block: string;
  readonly usage_key: string;
  readonly task_names: readonly string[];
  readonly cached: boolean;
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  /** How long the call waited for the limiter and admission before it reached the model (DGT's semaphore wait), ms. */
  readonly semaphore_wait_ms: number;
  readonly temperature?: number;
  readonly n?: number;
  readonly max_tokens?: number;
}

/** What follows the spans: each one as it starts, and as it ends (its attributes final). */
export interface RunSpanHandlers {
  started?(span: RunSpan): void;
  ended(span: RunSpan): void;
}

/** Whether LM call spans carry their payloads, and how long each text may be. */
export interface RunSpansOptions {
  readonly recordPayloads?: boolean | undefined;
  readonly payloadMaxChars?: number | undefined;
}

interface OpenTask {
  readonly span: RunSpan;
  readonly blocks: Map<string, RunSpan>;
}

/**
 * Turns a run's events into its span tree, DGT's names kept: `dgt.run` > `dgt.task` > `dgt.block` > `dgt.llm_call`.
 * rxdgt has no epochs; a `dgt.block` span is one block of one task, opened at the first event naming it (a model call
 * of the block's engine, or a rejection by the block) and closed when the task ends, with the block's totals: calls,
 * cached and failed calls, tokens, rejected records and their issues by code. An LM call is a child of its block's
 * span when its engine serves one task; an engine shared by tasks (their builder's) is the run's, so its calls are
 * children of the run span. Spans still open when the events end are closed as `cancelled` by {@link RunSpans.finish}.
 */
export class RunSpans {
  private run: RunSpan | undefined;
  private readonly tasks = new Map<string, OpenTask>();
  private lastTime = 0;

  constructor(
    private readonly handlers: RunSpanHandlers,
    private readonly options: RunSpansOptions = {},
  ) {}

  /** Follows one event. */
  next(event: RunEvent): void {
    this.lastTime = Math.max(this.lastTime, event.time);
    if (event.type === 'run-start') {
      if (this.openRun() !== undefined) return;
      this.run = this.open('dgt.run', undefined, event.runId, event.buildId, event.time, {
        task_names: event.tasks.map(({ task }) => task).join(','),
        task_count: event.tasks.length,
      });
    } else if (event.type === 'task-start') {
      this.finishTask(event.task, event.time, 'cancelled');
      const target = event.target === undefined ? {} : { target: event.target };
      const span = this.open('dgt.task', this.openRun(), event.taskRunId, event.buildId, event.time, { task_name: event.task, task_run_id: event.taskRunId, ...target });
      this.tasks.set(event.task, { span, blocks: new Map() });
    } else if (event.type === 'model-call-end') {
      this.modelCall(event);
    } else if (event.type === 'input-end') {
      this.settled(event);
    } else if (event.type === 'task-end') {
      this.taskFinished(event);
    } else if (event.type === 'run-end') {
      for (const task of [...this.tasks.keys()]) this.finishTask(task, event.time, 'cancelled');
      const run = this.openRun();
      if (run === undefined) return;
      if (event.status === 'failed') run.error = 'the run failed';
      this.close(run, event.time, event.status === 'completed' ? 'ok' : event.status === 'failed' ? 'error' : 'cancelled');
    }
  }

  /** Closes every span still open as `cancelled`, at the time of the last event seen. */
  finish(): void {
    for (const task of [...this.tasks.keys()]) this.finishTask(task, this.lastTime, 'cancelled');
    const run = this.openRun();
    if (run !== undefined) this.close(run, this.lastTime, 'cancelled');
  }

  private openRun(): RunSpan | undefined {
    return this.run?.endTime === undefined ? this.run : undefined;
  }

  private open(name: RunSpanName, parent: RunSpan | undefined, runId: string, buildId: string, startTime: number, attributes: Record<string, unknown>): RunSpan {
    const span: RunSpan = { name, spanId: spanId(), parent, buildId, runId, startTime, endTime: undefined, status: 'ok', error: undefined, attributes };
    this.handlers.started?.(span);
    return span;
  }

  private close(span: RunSpan, endTime: number, status: RunSpanStatus): void {
    span.endTime = Math.max(endTime, span.startTime);
    span.status = status;
    this.handlers.ended(span);
  }

  /** The span of `block` in `task`, opened at `time` if it is not yet. */
  private blockOf(task: OpenTask, block: string, time: number): RunSpan {
    const known = task.blocks.get(block);
    if (known) return known;
    const { span } = task;
    const opened = this.open('dgt.block', span, span.runId, span.buildId, time, {
      block_name: block,
      task_name: span.attributes['task_name'],
      calls: 0,
      cached_calls: 0,
      failed_calls: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      rejections: 0,
      rejections_by_code: {},
    });
    task.blocks.set(block, opened);
    return opened;
  }

  private modelCall(event: ModelCallEvent): void {
    const owner = event.tasks.length === 1 ? this.tasks.get(event.tasks[0]!) : undefined;
    const block = owner && this.blockOf(owner, event.block, event.startedAt);
    if (block) {
      const totals = block.attributes as Record<string, number>;
      totals['calls']! += 1;
      if (event.cached) totals['cached_calls']! += 1;
      if (event.error !== undefined) totals['failed_calls']! += 1;
      totals['prompt_tokens']! += event.promptTokens;
      totals['completion_tokens']! += event.completionTokens;
    }
    const parent = block ?? this.openRun();
    const { request } = event;
    // As DGT's: the span covers the model's latency (its retries included), the wait before it is an attribute.
    const calledAt = modelCalledAt(event);
    // A span per LM call: its attributes are set field by field, no object made for a field left out.
    const attributes: { -readonly [Name in keyof LlmCallAttributes]: LlmCallAttributes[Name] } = {
      provider: event.provider,
      model_id: event.model,
      method: request.method === 'chat' ? 'chat_completion' : 'completion',
      batch_size: 1,
      block: event.block,
      usage_key: event.usageKey,
      // The event's own list: the span ends here, so its lines and attributes are made before anything could change it.
      task_names: event.tasks,
      cached: event.cached,
      prompt_tokens: event.promptTokens,
      completion_tokens: event.completionTokens,
      semaphore_wait_ms: calledAt - event.startedAt,
    };
    if (request.temperature !== undefined) attributes.temperature = request.temperature;
    if (request.n !== undefined) attributes.n = request.n;
    if (request.maxTokens !== undefined) attributes.max_tokens = request.maxTokens;
    if (this.options.recordPayloads) Object.assign(attributes, llmCallPayload(event, this.options.payloadMaxChars ?? 4096));
    const runId = owner?.span.runId ?? event.runId;
    const span = this.open('dgt.llm_call', parent, runId, event.buildId, calledAt, attributes);
    if (event.error !== undefined) span.error = redactUrl(event.error);
    this.close(span, event.endedAt, event.error === undefined ? 'ok' : 'error');
  }

  private settled(event: InputSettledEvent): void {
    const task = this.tasks.get(event.task);
    if (task === undefined) return;
    const { attributes } = task.span;
    attributes['records'] = event.accepted;
    attributes['rejected'] = event.rejected;
    attributes['attempts'] = event.attempts;
    for (const { issues } of event.rejections) {
      // Most rejections have one issue (a rejected record per duplicate): no set or filtered list made for them.
      if (issues.length === 1) {
        this.countRejection(task, issues[0]!.block, event.time, issues);
        continue;
      }
      for (const name of new Set(issues.map(({ block }) => block))) this.countRejection(task, name, event.time, issues.filter((issue) => issue.block === name));
    }
  }

  /** Counts a rejection by `name` on its block's span, with its issues by code. */
  private countRejection(task: OpenTask, name: string, time: number, issues: InputSettledEvent['rejections'][number]['issues']): void {
    const block = this.blockOf(task, name, time);
    const byCode = block.attributes['rejections_by_code'] as Record<string, number>;
    (block.attributes as Record<string, number>)['rejections']! += 1;
    for (const { code } of issues) byCode[code] = (byCode[code] ?? 0) + 1;
  }

  private taskFinished({ task, result, time }: TaskFinishedEvent): void {
    const open = this.tasks.get(task);
    if (open === undefined) return;
    Object.assign(open.span.attributes, {
      task_status: result.status,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      ...(result.metrics === undefined ? {} : { metrics: result.metrics }),
    });
    const failed = result.status === 'errored' || result.status === 'failed';
    if (failed) open.span.error = redactUrl(result.message ?? result.status);
    this.finishTask(task, time, failed ? 'error' : result.status === 'cancelled' ? 'cancelled' : 'ok');
  }

  /** Closes a task's block spans, then the task's span; the blocks end `cancelled` with a cancelled task, else `ok`. */
  private finishTask(task: string, time: number, status: RunSpanStatus): void {
    const open = this.tasks.get(task);
    if (open === undefined) return;
    this.tasks.delete(task);
    for (const block of open.blocks.values()) this.close(block, time, status === 'cancelled' ? 'cancelled' : 'ok');
    this.close(open.span, time, status);
  }
}
