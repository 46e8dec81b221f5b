/**
 * The tool data model, with DGT's semantics: a `Tool` is a definition held in a `ToolRegistry`, a `ToolCall` one
 * call of it, a `ToolResult` what an engine answered. Every tool has a namespace; its qualified name is
 * `namespace::name` (DGT's `TOOL_NAMESPACE_SEP`).
 *
 * ## Example
 * ```ts
 * const tool: Tool = { name: 'get_weather', namespace: 'weather_api', description: 'Current weather.', parameters: { type: 'object' }, outputParameters: {}, metadata: {} };
 * qualifiedName(tool); // 'weather_api::get_weather'
 * ```
 */
export interface Tool {
  /** Unqualified name, unique within its namespace (up to overloads: same name, other input schema). */
  readonly name: string;
  /** The catalog or server the tool comes from; set by its loader (DGT's `default` when none is given). */
  readonly namespace: string;
  readonly description: string;
  /** JSON Schema of the arguments (DGT's `parameters`); `{}` when the source gives none. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** JSON Schema of the result (DGT's `output_parameters`); `{}` when unknown. */
  readonly outputParameters: Readonly<Record<string, unknown>>;
  /** Extra fields: REST routing (`rest_base_url`, `rest_method`, ...), MCP server, tags. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** One call of a tool, as the assistant issues it. */
export interface ToolCall {
  readonly name: string;
  readonly namespace: string;
  readonly arguments: Readonly<Record<string, unknown>>;
  /** Opaque id for nested-call references (`$1`) and for matching results; DGT's `id`. */
  readonly callId?: string | undefined;
}

/** What an engine answered for one call: a `result`, or an `error` message. */
export interface ToolResult {
  readonly callId: string | undefined;
  /** The call's name, copied from it. */
  readonly name: string;
  readonly result?: unknown;
  readonly error?: string | undefined;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** DGT's separator between namespace and name. */
export const namespaceSeparator = '::';

/** DGT's namespace for tools whose source names none. */
export const defaultNamespace = 'default';

/** `namespace::name` of a tool or a call. */
export function qualifiedName(tool: { readonly name: string; readonly namespace: string }): string {
  return `${tool.namespace}${namespaceSeparator}${tool.name}`;
}
