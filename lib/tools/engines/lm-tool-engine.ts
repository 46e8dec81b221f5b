import { type Observable, concatMap, defer, from, map, of, reduce } from 'rxjs';
import type { Engine } from '../../model/engine.ts';
import type { ChatMessage, ModelRequest } from '../../model/language-model.ts';
import { addUsage } from '../../outcome.ts';
import type { Usage } from '../../record.ts';
import { toolCallDict, toolDict, toolResultDict } from '../tool-dict.ts';
import type { ToolRegistry } from '../tool-registry.ts';
import type { Tool, ToolCall, ToolResult } from '../tool.ts';
import type { ErrorCategory } from '../tools-config.ts';
import { lmToolOutput } from './lm-tool-output.ts';
import type { ToolEngine, ToolExecution } from './tool-engine.ts';
import { ToolSessions } from './tool-sessions.ts';

/** One entry of a session's history: DGT's `{ tool_call, tool_output }`. */
interface Execution {
  readonly tool_call: Record<string, unknown>;
  readonly tool_output: Record<string, unknown>;
}

const instructions = [
  'You play the part of a software tool that has just been called.',
  'Each turn gives you a tool definition and a call of it. Answer with the JSON object the tool would return for that call, as if it worked:',
  '- follow the `output_parameters` schema of the definition when it has one, with every required field;',
  '- make the values concrete and believable for the tool and the arguments given, and consistent with earlier results;',
  '- never report a failure, a missing record or an error;',
  '- answer with the JSON object only, in valid UTF-8.',
].join('\n');

function turn(tool: Tool | undefined, call: Record<string, unknown>): string {
  return `Tool definition:\n${JSON.stringify(tool ? [toolDict(tool)] : {}, null, 1)}\n\nCall:\n${JSON.stringify(call, null, 1)}`;
}

/** A schema name the engines accept: letters, digits, `_` and `-`, at most 64. */
function schemaName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64) || 'tool_result';
}

/**
 * DGT's `lm` tool engine: a language model simulates each result from the tool's definition and the call, with
 * the session's earlier calls and results as context. A tool with `output_parameters` is asked for with structured
 * output (that JSON Schema) and its answer checked against it; one without, in JSON mode. `error_categories` inject
 * failures first, each drawn on its own with the session's `random`: `network_error` and `schema_violation` give an
 * error result with the category's `message`, `unparseable_result` a garbled result; no model call is made then.
 *
 * ## Example
 * ```ts
 * const engine = lmToolEngine({ registry, engine: simulator, errorCategories: [{ type: 'network_error', probability: 0.05, message: 'Connection timed out' }] });
 * ```
 */
export function lmToolEngine(config: {
  readonly registry: ToolRegistry;
  /** The LM engine of the `lm_config`. */
  readonly engine: Engine;
  readonly errorCategories?: readonly ErrorCategory[];
  /** Restricts the tools it answers to these namespaces. */
  readonly namespaces?: readonly string[] | undefined;
}): ToolEngine {
  const sessions = new ToolSessions<{ tool_executions: Execution[] }>(() => ({ tool_executions: [] }));
  const categories = config.errorCategories ?? [];

  const injected = (call: ToolCall, random: () => number): ToolResult | undefined => {
    const fired = categories.filter((category) => random() < category.probability);
    if (fired.length === 0) return undefined;
    const category = fired[Math.min(fired.length - 1, Math.floor(random() * fired.length))]!;
    if (category.type === 'unparseable_result') return { callId: call.callId, name: call.name, result: '<garbled: simulated unparseable result>' };
    return { callId: call.callId, name: call.name, error: category.message };
  };

  const requestOf = (call: ToolCall, tool: Tool, history: readonly Execution[]): ModelRequest => {
    const messages: ChatMessage[] = [{ role: 'system', content: instructions }];
    for (const entry of history) {
      const earlier = entry.tool_call;
      const earlierTool = config.registry.match({ name: String(earlier['name']), namespace: String(earlier['namespace'] ?? ''), arguments: (earlier['arguments'] ?? {}) as Record<string, unknown> });
      messages.push({ role: 'user', content: turn(earlierTool, withoutNamespace(earlier)) });
      messages.push({ role: 'assistant', content: JSON.stringify(entry.tool_output['result'] ?? {}, null, 1) });
    }
    messages.push({ role: 'user', content: turn(tool, toolCallDict(call)) });
    const format = Object.keys(tool.outputParameters).length > 0 ? { responseFormat: { name: schemaName(tool.name), schema: tool.outputParameters } } : { jsonMode: true };
    return { method: 'chat', messages, ...format };
  };

  const one = (call: ToolCall, random: () => number, history: Execution[]): Observable<{ result: ToolResult; usage: Usage | undefined }> =>
    defer(() => {
      const early = injected(call, random);
      const tool = early ? undefined : config.registry.match(call, config.namespaces);
      if (early || !tool) return of({ result: early ?? { callId: call.callId, name: call.name, error: `Unknown tool '${call.namespace}::${call.name}'` }, usage: undefined });
      return config.engine.call(requestOf(call, tool, history)).pipe(
        map((answer) => ({ result: { callId: call.callId, name: call.name, ...lmToolOutput(answer.texts, tool) }, usage: config.engine.usageOf(answer) })),
      );
    }).pipe(
      map((done) => {
        history.push({ tool_call: { ...toolCallDict(call), namespace: call.namespace }, tool_output: toolResultDict(done.result) });
        return done;
      }),
    );

  const run = (sessionId: string, calls: readonly ToolCall[], keep: boolean): Observable<ToolExecution> =>
    defer(() => {
      const session = sessions.get(sessionId);
      const history = keep ? session.state.tool_executions : [...session.state.tool_executions];
      return from(calls).pipe(
        concatMap((call) => one(call, session.random, history)),
        reduce((done, next) => ({ results: [...done.results, next.result], usage: addUsage(done.usage, next.usage) }), { results: [] as ToolResult[], usage: undefined as Usage | undefined }),
      );
    });

  return {
    type: 'lm',
    setup: (sessionId, options) => sessions.setup(sessionId, options),
    teardown: (sessionId) => sessions.teardown(sessionId),
    execute: (sessionId, calls) => run(sessionId, calls, true),
    simulate: (sessionId, calls) => run(sessionId, calls, false),
    sessionState: (sessionId) => (sessions.has(sessionId) ? structuredClone(sessions.get(sessionId).state) : undefined),
  };
}

function withoutNamespace(call: Record<string, unknown>): Record<string, unknown> {
  const { namespace: _namespace, ...rest } = call;
  return rest;
}
