import { trace } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, test } from 'vitest';
import { openTelemetryRegistered } from '../../lib/telemetry/open-telemetry-registered.ts';

afterEach(() => trace.disable());

describe('openTelemetryRegistered', () => {
  test('is false with no SDK, true once a tracer provider is registered, false again once it is removed', () => {
    expect(openTelemetryRegistered()).toBe(false);
    expect(trace.setGlobalTracerProvider(new BasicTracerProvider())).toBe(true);
    expect(openTelemetryRegistered()).toBe(true);
    trace.disable();
    expect(openTelemetryRegistered()).toBe(false);
  });

  test('reads the global the installed API registers under (nothing there: nothing registered)', () => {
    const key = Symbol.for('opentelemetry.js.api.1');
    // As in a process where nothing touched OpenTelemetry yet (an earlier test's disable leaves the API's version there).
    delete (globalThis as Record<symbol, unknown>)[key];
    expect(openTelemetryRegistered()).toBe(false);
    trace.setGlobalTracerProvider(new BasicTracerProvider());
    expect((globalThis as Record<symbol, unknown>)[key]).toBeDefined();
    expect(openTelemetryRegistered()).toBe(true);
  });
});
