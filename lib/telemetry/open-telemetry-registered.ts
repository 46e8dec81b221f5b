import { createRequire } from 'node:module';

/**
 * Where version 1 of the OpenTelemetry API (the one installed) keeps what is registered globally: nothing is there
 * until an SDK registers something, and then the API itself is loaded to ask it.
 */
const globalKey = Symbol.for('opentelemetry.js.api.1');

/**
 * Whether an OpenTelemetry SDK registered a global tracer provider: without one, every span is a no-op, and the CLI
 * does not follow the run's events for them at all (that would cost about 20 µs a record for nothing). Nothing
 * registered at all, the API is not even loaded.
 *
 * ## Example
 * ```ts
 * openTelemetryRegistered(); // false, until e.g. `new NodeTracerProvider().register()`
 * ```
 */
export function openTelemetryRegistered(): boolean {
  if ((globalThis as Record<symbol, unknown>)[globalKey] === undefined) return false;
  const { ProxyTracerProvider, trace } = createRequire(import.meta.url)('@opentelemetry/api') as typeof import('@opentelemetry/api');
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  // A proxy with no delegate hands out the API's one no-op provider.
  return delegate !== new ProxyTracerProvider().getDelegate();
}
