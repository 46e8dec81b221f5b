import type { ToolSessionOptions } from './tool-engine.ts';

/** One session's state: its draws and whatever the engine keeps. */
export interface ToolSession<State> {
  readonly random: () => number;
  state: State;
}

/**
 * The sessions of one engine, by id (DGT's session bookkeeping, without locks: one call at a time per session).
 *
 * ## Example
 * ```ts
 * const sessions = new ToolSessions(() => ({ history: [] }));
 * sessions.setup('c1');
 * sessions.get('c1').state.history;
 * ```
 */
export class ToolSessions<State> {
  private readonly sessions = new Map<string, ToolSession<State>>();

  constructor(private readonly initial: () => State) {}

  /** @throws {Error} when `sessionId` is already set up */
  setup(sessionId: string, options: ToolSessionOptions = {}): void {
    if (this.sessions.has(sessionId)) throw new Error(`tool session \`${sessionId}\` is already active: call teardown before setting it up again`);
    this.sessions.set(sessionId, { random: options.random ?? Math.random, state: this.initial() });
  }

  teardown(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  /** @throws {Error} when `sessionId` was not set up */
  get(sessionId: string): ToolSession<State> {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`tool session \`${sessionId}\` is not active: call setup before execute or simulate`);
    return session;
  }

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }
}
