import { ProxyTracerProvider, trace } from '@opentelemetry/api';

/**
 * Whether an OpenTelemetry SDK registered a global tracer provider: without one, every span is a no-op, and the CLI
 * does not follow the run's events for them at all (that would cost about 20 µs a record for nothing).
 *
 * ## Example
 * ```ts
 * openTelemetryRegistered(); // false, until e.g. `new NodeTracerProvider().register()`
 * ```
 */
export function openTelemetryRegistered(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  // A proxy with no delegate hands out the API's one no-op provider.
  return delegate !== new ProxyTracerProvider().getDelegate();
}
