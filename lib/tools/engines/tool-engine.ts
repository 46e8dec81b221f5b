import type { Observable } from 'rxjs';
import type { Usage } from '../../record.ts';
import type { ToolCall, ToolResult } from '../tool.ts';

/** What one `execute` or `simulate` gave: one result per call, in call order, and the LM usage it spent. */
export interface ToolExecution {
  readonly results: readonly ToolResult[];
  /** LM usage (the `lm` engine); undefined when no model was called. */
  readonly usage: Usage | undefined;
}

/** Settings of one session. */
export interface ToolSessionOptions {
  /** Draws of the session (error injection): `seededRandom(seed)` for a run that repeats. @default Math.random */
  readonly random?: () => number;
}

/**
 * DGT's `ToolEngine`: answers tool calls within sessions (one per conversation). `execute` keeps what it did in
 * the session's history (the `lm` engine shows it to the model as context); `simulate` does the same work and
 * leaves the session as it was. Both are cold Observables: unsubscribing aborts the requests in flight. A call's
 * failure (unknown tool, HTTP error, tool error) is a result with `error`, never an Observable error; only a model
 * call that fails for good (after retries) errors the Observable. Run one call at a time per session.
 *
 * ## Example
 * ```ts
 * engine.setup('conversation-1', { random: seededRandom(7) });
 * engine.execute('conversation-1', [{ name: 'get_weather', namespace: 'weather_api', arguments: { city: 'Oslo' }, callId: '$1' }])
 *   .subscribe(({ results }) => results[0]); // { callId: '$1', name: 'get_weather', result: { temperature: 4 } }
 * engine.teardown('conversation-1');
 * ```
 */
export interface ToolEngine {
  readonly type: string;
  /** @throws {Error} when the session is already set up */
  setup(sessionId: string, options?: ToolSessionOptions): void;
  /** Ends a session; safe on one already ended. */
  teardown(sessionId: string): void;
  execute(sessionId: string, calls: readonly ToolCall[]): Observable<ToolExecution>;
  simulate(sessionId: string, calls: readonly ToolCall[]): Observable<ToolExecution>;
  /** A copy of the session's state (the `lm` engine's `tool_executions`), or undefined for an unknown session. */
  sessionState(sessionId: string): Readonly<Record<string, unknown>> | undefined;
  /** Releases what the engine holds. */
  close?(): Promise<void>;
}
