import { type Observable, concatMap, defer, from, map, reduce } from 'rxjs';
import { addUsage } from '../../outcome.ts';
import type { Usage } from '../../record.ts';
import type { ToolCall, ToolResult } from '../tool.ts';
import type { ToolEngine, ToolExecution, ToolSessionOptions } from './tool-engine.ts';

/**
 * DGT's multi-engine: routes each call to the engine of its namespace (the registry entries' `engine:` keys) and
 * gives the results back in call order. `setup` and `teardown` reach every engine; calls of one namespace go to
 * their engine as one batch, namespaces one after another. A namespace without an engine is an error result.
 *
 * ## Example
 * ```ts
 * const engine = multiToolEngine(new Map([['weather_api', simulator], ['hr_api', live]]));
 * ```
 */
export function multiToolEngine(byNamespace: ReadonlyMap<string, ToolEngine>): ToolEngine {
  const engines = [...new Set(byNamespace.values())];
  const sessions = new Set<string>();
  const run = (method: 'execute' | 'simulate', sessionId: string, calls: readonly ToolCall[]): Observable<ToolExecution> =>
    defer(() => {
      if (!sessions.has(sessionId)) throw new Error(`tool session \`${sessionId}\` is not active: call setup before execute or simulate`);
      const groups = new Map<string, number[]>();
      calls.forEach((call, index) => groups.set(call.namespace, [...(groups.get(call.namespace) ?? []), index]));
      const results = new Array<ToolResult>(calls.length);
      return from(groups).pipe(
        concatMap(([namespace, indexes]) => {
          const engine = byNamespace.get(namespace);
          if (!engine) {
            for (const index of indexes) results[index] = { callId: calls[index]!.callId, name: calls[index]!.name, error: `No engine registered for namespace '${namespace}'. Registered namespaces: ${[...byNamespace.keys()].join(', ')}` };
            return [undefined];
          }
          return engine[method](sessionId, indexes.map((index) => calls[index]!)).pipe(
            map((execution) => {
              execution.results.forEach((result, position) => (results[indexes[position]!] = result));
              return execution.usage;
            }),
          );
        }),
        reduce((total: Usage | undefined, usage: Usage | undefined) => addUsage(total, usage), undefined),
        map((usage) => ({ results, usage })),
      );
    });
  return {
    type: 'multi',
    setup: (sessionId: string, options?: ToolSessionOptions) => {
      if (sessions.has(sessionId)) throw new Error(`tool session \`${sessionId}\` is already active: call teardown before setting it up again`);
      sessions.add(sessionId);
      engines.forEach((engine) => engine.setup(sessionId, options));
    },
    teardown: (sessionId) => {
      sessions.delete(sessionId);
      engines.forEach((engine) => engine.teardown(sessionId));
    },
    execute: (sessionId, calls) => run('execute', sessionId, calls),
    simulate: (sessionId, calls) => run('simulate', sessionId, calls),
    sessionState: (sessionId) => {
      const states = [...byNamespace].flatMap(([namespace, engine]) => {
        const state = engine.sessionState(sessionId);
        return state ? [[namespace, state] as const] : [];
      });
      return states.length > 0 ? Object.fromEntries(states) : undefined;
    },
    close: async () => {
      await Promise.all(engines.map((engine) => engine.close?.()));
    },
  };
}
