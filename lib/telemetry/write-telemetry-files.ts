import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { EventLines } from './event-lines.ts';
import { isoTime } from './iso-time.ts';
import { RotatingJsonlWriter, type RotatingJsonlWriterOptions } from './rotating-jsonl-writer.ts';
import type { RunEvent } from './run-event.ts';
import { type LlmCallAttributes, type RunSpan, RunSpans } from './run-spans.ts';
import type { TelemetrySettings } from './telemetry-settings.ts';
import { isAscii } from '../text/tokenize.ts';

/** The telemetry files being written: `done` settles once they are closed. */
export interface TelemetryFiles {
  /** Resolves when the events end (or `unsubscribe`) and the files are closed; rejects with the first `DatastoreError`. */
  readonly done: Promise<void>;
  /** Stops reading the events: open spans are written as `cancelled`, the files closed. */
  unsubscribe(): void;
}

/** A number as JSON writes it (`null` when it is not finite). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? `${value}` : 'null';
}

/** The members an engine's LM call spans share (provider to task names), as JSON, with the values they were made of. */
let shared: { readonly of: readonly unknown[]; readonly taskNames: readonly string[]; readonly text: string; readonly ascii: boolean } = { of: [], taskNames: [], text: '', ascii: true };

/** Whether two lists of names hold the same names in the same order. */
function sameNames(one: readonly string[], other: readonly string[]): boolean {
  if (one.length !== other.length) return false;
  for (let index = 0; index < one.length; index += 1) if (one[index] !== other[index]) return false;
  return true;
}

/**
 * An LM call span's attributes (no payloads) as JSON members, as `JSON.stringify` writes them: the fields in
 * `LlmCallAttributes`' order, written out directly, those an engine's calls share made once for all of them. A
 * traces line per LM call stringified as an object would be the dearest part of its telemetry.
 */
function llmCallMembers(attributes: LlmCallAttributes): string {
  const { provider, model_id: model, method, block, usage_key: usageKey, task_names: taskNames } = attributes;
  const { of } = shared;
  if (provider !== of[0] || model !== of[1] || method !== of[2] || block !== of[3] || usageKey !== of[4] || !sameNames(taskNames, shared.taskNames)) {
    const text =
      `"provider":${JSON.stringify(provider)},"model_id":${JSON.stringify(model)},"method":"${method}","batch_size":1,` +
      `"block":${JSON.stringify(block)},"usage_key":${JSON.stringify(usageKey)},"task_names":${JSON.stringify(taskNames)}`;
    shared = { of: [provider, model, method, block, usageKey], taskNames: [...taskNames], text, ascii: isAscii(text) };
  }
  let text =
    `${shared.text},"cached":${attributes.cached},"prompt_tokens":${jsonNumber(attributes.prompt_tokens)},"completion_tokens":${jsonNumber(attributes.completion_tokens)},` +
    `"semaphore_wait_ms":${jsonNumber(attributes.semaphore_wait_ms)}`;
  if (attributes.temperature !== undefined) text += `,"temperature":${jsonNumber(attributes.temperature)}`;
  if (attributes.n !== undefined) text += `,"n":${jsonNumber(attributes.n)}`;
  if (attributes.max_tokens !== undefined) text += `,"max_tokens":${jsonNumber(attributes.max_tokens)}`;
  return text;
}

/** A span's attributes as JSON members (no braces; empty when it has none). */
function attributeMembers(span: RunSpan, payloads: boolean): string {
  if (span.name === 'dgt.llm_call' && !payloads) return llmCallMembers(span.attributes as unknown as LlmCallAttributes);
  const text = JSON.stringify(span.attributes);
  return text.slice(1, -1);
}

/** The opening of the last trace line made (its span's name, build and run ids): every LM call span of a task shares it. */
let head: { readonly name: string; readonly buildId: string; readonly runId: string; readonly text: string; readonly ascii: boolean } = { name: '', buildId: '', runId: '', text: '', ascii: true };

/** A trace line's opening, `{"span_name":…,"build_id":…,"run_id":…,`, made once for many spans. */
function headOf({ name, buildId, runId }: RunSpan): string {
  if (name !== head.name || buildId !== head.buildId || runId !== head.runId) {
    const text = `{"span_name":"${name}","build_id":${JSON.stringify(buildId)},"run_id":${JSON.stringify(runId)},`;
    head = { name, buildId, runId, text, ascii: isAscii(text) };
  }
  return head.text;
}

/**
 * Whether a span's trace line is known to be ASCII: an LM call span without payloads or error whose shared parts are
 * (the rest of its line is numbers, times, ids and fixed names). Asked right after `traceLine` made the line.
 */
function asciiTrace(span: RunSpan, payloads: boolean): boolean {
  return head.ascii && span.name === 'dgt.llm_call' && !payloads && span.error === undefined && shared.ascii;
}

/**
 * One line of `traces.jsonl`, in DGT's shape, with the span's id and its parent's to rebuild the tree: the span's own
 * fields, then its attributes (no attribute is named like one of those fields), then its error. Made as JSON text
 * directly: an object assembled only to be stringified would cost twice, for a line per LM call.
 * @param payloads whether LM call spans carry payloads (`recordPayloads`)
 */
function traceLine(span: RunSpan, payloads: boolean): string {
  const { parent } = span;
  const endTime = span.endTime ?? span.startTime;
  const attributes = attributeMembers(span, payloads);
  return (
    `${headOf(span)}"start_time":"${isoTime(span.startTime)}","end_time":"${isoTime(endTime)}","duration_ms":${jsonNumber(endTime - span.startTime)},` +
    `"parent_span_name":${parent === undefined ? 'null' : `"${parent.name}"`},"status":"${span.status}","span_id":"${span.spanId}",` +
    `"parent_span_id":${parent === undefined ? 'null' : `"${parent.spanId}"`}${attributes === '' ? '' : `,${attributes}`}` +
    `${span.error === undefined ? '' : `,"error":${JSON.stringify(span.error)}`}}`
  );
}

/** Longest a line waits before it is written. */
const flushMs = 250;

/**
 * Writes a run's events to DGT's telemetry files in `settings.dir`: `events.jsonl` (lifecycle events: run and task
 * start and end, rejected records, task warnings, admission changes; see `EventLines`) and `traces.jsonl` (one line
 * per span as it ends: `dgt.run`, `dgt.task`, `dgt.block`, `dgt.llm_call`; see `RunSpans`). Both rotate at 100 MB
 * and lose rotated files older than 14 days. LM call spans carry their payloads only with `settings.recordPayloads`,
 * credentials hidden. With `settings.disabled` nothing is read, written or made. Subscribe before the run starts
 * (the events are hot). Lines are written together at most 250 ms after their event (one write for many), and all
 * of them by the end of the stream. A write that fails stops both files and rejects `done`; the run goes on.
 *
 * ## Example
 * ```ts
 * import { RunTelemetry, telemetrySettingsFromEnv, writeTelemetryFiles } from 'rxdgt';
 * const telemetry = new RunTelemetry({ buildId: 'exp' });
 * const files = writeTelemetryFiles(telemetry.events, telemetrySettingsFromEnv());
 * // ... run the tasks with telemetry.hooks(task), then:
 * telemetry.finished('completed');
 * await files.done; // telemetry/events.jsonl and telemetry/traces.jsonl are complete
 * ```
 * @param options the rotation's limits (tests make them small)
 */
export function writeTelemetryFiles(events: Observable<RunEvent>, settings: TelemetrySettings, options: RotatingJsonlWriterOptions = {}): TelemetryFiles {
  if (settings.disabled) return { done: Promise.resolve(), unsubscribe: () => undefined };
  const eventsFile = new RotatingJsonlWriter(join(settings.dir, 'events.jsonl'), options);
  const tracesFile = new RotatingJsonlWriter(join(settings.dir, 'traces.jsonl'), options);
  let failure: unknown;
  let ended = false;
  const write = (file: RotatingJsonlWriter, line: string, ascii = false): void => {
    if (failure !== undefined) return;
    try {
      file.append(line, ascii);
    } catch (error) {
      failure = error;
    }
  };
  // Lines are written together, at most every 250 ms (or 64 KiB): a write per line (an LM call each) is too dear.
  let flushing: NodeJS.Timeout | undefined;
  const flushSoon = (): void => {
    if (flushing !== undefined || failure !== undefined) return;
    flushing = setTimeout(() => {
      flushing = undefined;
      for (const file of [eventsFile, tracesFile]) {
        try {
          if (failure === undefined) file.flush();
        } catch (error) {
          failure = error;
        }
      }
    }, flushMs);
  };
  const lines = new EventLines();
  const payloads = settings.recordPayloads;
  const spans = new RunSpans({ ended: (span) => write(tracesFile, traceLine(span, payloads), asciiTrace(span, payloads)) }, settings);
  let settle: { resolve(): void; reject(error: unknown): void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // A failure nobody awaits must not end the process as an unhandled rejection: the run matters more than its telemetry.
  done.catch(() => undefined);
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (flushing !== undefined) clearTimeout(flushing);
    spans.finish();
    for (const file of [eventsFile, tracesFile]) {
      try {
        file.close();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure === undefined) settle.resolve();
    else settle.reject(failure);
  };
  const subscription = events.subscribe({
    next: (event) => {
      for (const line of lines.textsOf(event)) write(eventsFile, line);
      spans.next(event);
      flushSoon();
    },
    error: end,
    complete: end,
  });
  return {
    done,
    unsubscribe: () => {
      subscription.unsubscribe();
      end();
    },
  };
}
