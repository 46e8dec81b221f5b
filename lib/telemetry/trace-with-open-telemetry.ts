import { createRequire } from 'node:module';
import type { Attributes, AttributeValue, Span, Tracer } from '@opentelemetry/api';
import type { Observable, Subscription } from 'rxjs';
import type { RunEvent } from './run-event.ts';
import { type RunSpan, RunSpans } from './run-spans.ts';

/** An LM call's attributes that have a name in OpenTelemetry's GenAI semantic conventions. */
const genAiNames: Readonly<Record<string, string>> = {
  provider: 'gen_ai.system',
  model_id: 'gen_ai.request.model',
  prompt_tokens: 'gen_ai.usage.input_tokens',
  completion_tokens: 'gen_ai.usage.output_tokens',
  temperature: 'gen_ai.request.temperature',
  max_tokens: 'gen_ai.request.max_tokens',
  n: 'gen_ai.request.choice.count',
};

/** A span's attributes as OpenTelemetry takes them: GenAI names where they fit, else `rxdgt.<name>`; objects flattened. */
function attributesOf(span: RunSpan): Attributes {
  const attributes: Attributes = { 'rxdgt.run_id': span.runId, 'rxdgt.build_id': span.buildId, 'rxdgt.status': span.status };
  const put = (name: string, value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') attributes[name] = value;
    else if (Array.isArray(value)) attributes[name] = value.map(String) as AttributeValue;
    else if (value !== null && typeof value === 'object') for (const [key, inner] of Object.entries(value)) put(`${name}.${key}`, inner);
  };
  for (const [name, value] of Object.entries(span.attributes)) {
    put((span.name === 'dgt.llm_call' && genAiNames[name]) || `rxdgt.${name}`, value);
  }
  if (span.name === 'dgt.llm_call') attributes['gen_ai.operation.name'] = span.attributes['method'] === 'chat_completion' ? 'chat' : 'text_completion';
  return attributes;
}

/**
 * Traces a run with OpenTelemetry: spans `dgt.run` > `dgt.task` > `dgt.block` > `dgt.llm_call` (see `RunSpans`),
 * each started in its parent's context with the times of the events (not of when they were read), its attributes
 * set at its end (GenAI semantic names on LM calls: `gen_ai.system`, `gen_ai.request.model`,
 * `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`; `rxdgt.*` for the rest) and status `ERROR` when it
 * failed (`rxdgt.status` says `cancelled` for a span the run stopped). An LM call whose engine serves one task is a
 * child of that task's block span; one shared by tasks is a child of the run span. No payloads are recorded. Without
 * an OpenTelemetry SDK registered the API's tracer does nothing, so this costs next to nothing.
 *
 * ## Example
 * ```ts
 * import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node'; // any SDK the user picks
 * import { RunTelemetry, traceWithOpenTelemetry } from 'rxdgt';
 * new NodeTracerProvider().register();
 * const telemetry = new RunTelemetry();
 * const tracing = traceWithOpenTelemetry(telemetry.events);
 * // ... run the tasks with telemetry.hooks(task); telemetry.finished(...) ends the spans
 * ```
 * @param tracer @default trace.getTracer('rxdgt'), read when called (after the user's SDK is registered)
 * @returns the subscription: unsubscribing ends the open spans (as cancelled)
 */
export function traceWithOpenTelemetry(events: Observable<RunEvent>, tracer?: Tracer): Subscription {
  // The API is loaded only by a run that traces: `openTelemetryRegistered` tells the CLI whether to.
  const { SpanKind, SpanStatusCode, context, trace } = createRequire(import.meta.url)('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const spanTracer = tracer ?? trace.getTracer('rxdgt');
  // Each run span carries its OpenTelemetry span (a `Map` of them would take an entry in and out per LM call: see the
  // README's Architecture section).
  const started = Symbol('OpenTelemetry span');
  type Traced = RunSpan & { [started]?: Span | undefined };
  const spans = new RunSpans({
    started: (span) => {
      const parent = (span.parent as Traced | undefined)?.[started];
      const within = parent ? trace.setSpan(context.active(), parent) : context.active();
      const kind = span.name === 'dgt.llm_call' ? SpanKind.CLIENT : SpanKind.INTERNAL;
      (span as Traced)[started] = spanTracer.startSpan(span.name, { kind, startTime: new Date(span.startTime) }, within);
    },
    ended: (span) => {
      const otel = (span as Traced)[started];
      if (otel === undefined) return;
      (span as Traced)[started] = undefined;
      otel.setAttributes(attributesOf(span));
      if (span.status === 'error') otel.setStatus({ code: SpanStatusCode.ERROR, ...(span.error === undefined ? {} : { message: span.error }) });
      otel.end(new Date(span.endTime ?? span.startTime));
    },
  });
  const subscription = events.subscribe({ next: (event) => spans.next(event), error: () => spans.finish(), complete: () => spans.finish() });
  subscription.add(() => spans.finish());
  return subscription;
}
