import { type HrTime, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Subject, type Subscription } from 'rxjs';
import { describe, expect, test } from 'vitest';
import type { ModelCallEvent, RunEvent } from '../../lib/telemetry/run-event.ts';
import { traceWithOpenTelemetry } from '../../lib/telemetry/trace-with-open-telemetry.ts';
import { tempDir } from '../helpers/temp-dir.ts';
import { runWithTelemetry } from './telemetry-run.ts';

/** A tracer whose ended spans land in memory. */
function memoryTracer() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { tracer: provider.getTracer('rxdgt'), spans: () => exporter.getFinishedSpans() };
}

const millisecondsOf = ([seconds, nanoseconds]: HrTime): number => seconds * 1000 + nanoseconds / 1e6;
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

/** Answers that repeat a question every other call (the dedupe rejects the repeat) and fail the fifth call. */
function answers(_request: unknown, index: number): string {
  if (index === 4) throw new Error('refused by http://user:secret@10.0.0.1:8000/v1');
  return `Question: Where is place ${Math.floor(index / 2)}?\nAnswer: There.`;
}

describe('traceWithOpenTelemetry', () => {
  test('a real run: run > task > block > LM call, in real parent contexts, with the events’ times and GenAI attributes', async () => {
    const { tracer, spans } = memoryTracer();
    const calls: ModelCallEvent[] = [];
    let tracing: Subscription | undefined;
    await runWithTelemetry({
      outputDir: tempDir(),
      answers,
      read: (telemetry) => {
        tracing = traceWithOpenTelemetry(telemetry.events, tracer);
        telemetry.events.subscribe((event) => event.type === 'model-call-end' && calls.push(event));
      },
    });
    expect(tracing!.closed).toBe(true);
    const ended = spans();
    const named = (name: string) => ended.filter((span) => span.name === name);
    const [run] = named('dgt.run');
    const [task] = named('dgt.task');
    const blocks: Record<string, ReadableSpan> = Object.fromEntries(named('dgt.block').map((span) => [span.attributes['rxdgt.block_name'], span]));
    const llmCalls = named('dgt.llm_call');
    expect(new Set(ended.map((span) => span.spanContext().traceId)).size).toBe(1);
    expect(parentOf(run!)).toBeUndefined();
    expect(parentOf(task!)).toBe(idOf(run!));
    expect(Object.keys(blocks).sort()).toEqual(['dedup', 'generator']);
    expect(Object.values(blocks).every((block) => parentOf(block) === idOf(task!))).toBe(true);
    expect(llmCalls).toHaveLength(calls.length);
    expect(llmCalls.every((call) => parentOf(call) === idOf(blocks['generator']!) && call.kind === SpanKind.CLIENT)).toBe(true);

    // Times are the events' own: each call from when it reached the model to its end, the wait before as an attribute.
    llmCalls.forEach((span, index) => {
      const call = calls[index]!;
      expect(call.calledAt).toBeGreaterThanOrEqual(call.startedAt);
      expect(millisecondsOf(span.startTime)).toBe(call.calledAt);
      expect(millisecondsOf(span.endTime)).toBe(call.endedAt);
      expect(span.attributes['rxdgt.semaphore_wait_ms']).toBe(call.calledAt! - call.startedAt);
    });
    expect(millisecondsOf(run!.startTime)).toBeLessThanOrEqual(millisecondsOf(task!.startTime));
    expect(millisecondsOf(task!.endTime)).toBeLessThanOrEqual(millisecondsOf(run!.endTime));

    const answered = llmCalls.find((span) => span.status.code !== SpanStatusCode.ERROR)!;
    expect(answered.attributes).toMatchObject({
      'gen_ai.system': 'fake',
      'gen_ai.request.model': 'fake-model',
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': calls[0]!.promptTokens,
      'gen_ai.usage.output_tokens': calls[0]!.completionTokens,
      'rxdgt.block': 'generator',
      'rxdgt.cached': false,
      'rxdgt.task_names': ['geo'],
      'rxdgt.build_id': 'exp',
      'rxdgt.status': 'ok',
    });
    const failed = llmCalls.filter((span) => span.status.code === SpanStatusCode.ERROR);
    expect(failed.map((span) => span.status.message)).toEqual(['refused by http://***@10.0.0.1:8000/v1']);
    expect(task!.attributes).toMatchObject({ 'rxdgt.task_name': 'geo', 'rxdgt.task_status': 'completed', 'rxdgt.records': 3, 'rxdgt.metrics.Number of data produced': 3 });
    expect(task!.attributes['rxdgt.run_id']).toBe(task!.attributes['rxdgt.task_run_id']);
    expect(blocks['generator']!.attributes).toMatchObject({ 'rxdgt.calls': calls.length, 'rxdgt.failed_calls': 1, 'rxdgt.rejections': 1, 'rxdgt.rejections_by_code.lm_call_failed': 1 });
    expect(blocks['dedup']!.attributes).toMatchObject({ 'rxdgt.calls': 0, 'rxdgt.rejections': 2, 'rxdgt.rejections_by_code.duplicate': 2 });
    expect(run!.attributes).toMatchObject({ 'rxdgt.run_id': 'run-1', 'rxdgt.task_names': 'geo', 'rxdgt.status': 'ok' });
    expect(run!.status.code).toBe(SpanStatusCode.UNSET);
    expect(ended.every((span) => !JSON.stringify(span.attributes).includes('secret'))).toBe(true);
  });

  test('an LM call of an engine the tasks share is a child of the run span', async () => {
    const { tracer, spans } = memoryTracer();
    await runWithTelemetry({ outputDir: tempDir(), tasks: ['geo/a', 'geo/b'], target: 1, answers: (_request, index) => `Question: Q${index}?\nAnswer: A.`, read: (telemetry) => traceWithOpenTelemetry(telemetry.events, tracer) });
    const run = spans().find((span) => span.name === 'dgt.run')!;
    const llmCalls = spans().filter((span) => span.name === 'dgt.llm_call');
    expect(llmCalls.length).toBeGreaterThanOrEqual(2);
    expect(llmCalls.every((call) => parentOf(call) === idOf(run))).toBe(true);
    expect(spans().filter((span) => span.name === 'dgt.task').every((task) => parentOf(task) === idOf(run))).toBe(true);
  });

  test('unsubscribing ends the open spans, marked cancelled, not errors', () => {
    const { tracer, spans } = memoryTracer();
    const events = new Subject<RunEvent>();
    const ids = { runId: 'run-1', buildId: 'exp' };
    const start = Date.now();
    const tracing = traceWithOpenTelemetry(events, tracer);
    events.next({ ...ids, type: 'run-start', time: start, tasks: [{ task: 'geo', target: undefined }] });
    events.next({ ...ids, type: 'task-start', time: start + 1, task: 'geo', target: undefined, taskRunId: 'task-run-1' });
    expect(spans()).toEqual([]);
    tracing.unsubscribe();
    expect(spans().map((span) => [span.name, span.attributes['rxdgt.status'], span.status.code, millisecondsOf(span.endTime)])).toEqual([
      ['dgt.task', 'cancelled', SpanStatusCode.UNSET, start + 1],
      ['dgt.run', 'cancelled', SpanStatusCode.UNSET, start + 1],
    ]);
    expect(events.observed).toBe(false);
  });

  test('without an SDK registered the API tracer records nothing, and following a run costs no error', async () => {
    expect(trace.getTracer('rxdgt').startSpan('probe').isRecording()).toBe(false);
    let tracing: Subscription | undefined;
    await runWithTelemetry({ outputDir: tempDir(), answers: (_request, index) => `Question: Q${index}?\nAnswer: A.`, read: (telemetry) => (tracing = traceWithOpenTelemetry(telemetry.events)) });
    expect(tracing!.closed).toBe(true);
  });
});
