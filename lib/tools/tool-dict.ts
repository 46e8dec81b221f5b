import { redactSecrets } from '../redact-secrets.ts';
import type { Tool, ToolCall, ToolResult } from './tool.ts';
import { qualifiedName } from './tool.ts';

/**
 * The plain objects DGT writes for tools, calls and results (its `to_dict`): `name`, `namespace`, `description`,
 * `parameters`, then `output_parameters` and `metadata` when not empty (credentials hidden: see `redactSecrets`); a
 * call is `name`, `arguments`, `id`; a result `id`, `name`, `result`, and `error` when it failed.
 *
 * ## Example
 * ```ts
 * toolDict(tool, { keepKeys: ['name', 'parameters'] }); // { name: 'get_weather', parameters: {...} }
 * toolDict(tool, { qualified: true }).name;              // 'weather_api::get_weather'
 * ```
 */
export function toolDict(tool: Tool, options: { readonly keepKeys?: readonly string[]; readonly qualified?: boolean } = {}): Record<string, unknown> {
  const dict: Record<string, unknown> = {
    name: options.qualified ? qualifiedName(tool) : tool.name,
    namespace: tool.namespace,
    description: tool.description,
    parameters: tool.parameters,
  };
  if (Object.keys(tool.outputParameters).length > 0) dict['output_parameters'] = tool.outputParameters;
  // Written into records and prompts: a REST base URL's user and password, a credential-named key, are hidden.
  if (Object.keys(tool.metadata).length > 0) dict['metadata'] = redactSecrets(tool.metadata);
  if (!options.keepKeys) return dict;
  const keep = new Set(options.keepKeys);
  return Object.fromEntries(Object.entries(dict).filter(([key]) => keep.has(key)));
}

/** DGT's dict of a call: `name`, `arguments`, and `id` when the call has one. */
export function toolCallDict(call: ToolCall): Record<string, unknown> {
  return { name: call.name, arguments: call.arguments, ...(call.callId === undefined ? {} : { id: call.callId }) };
}

/** DGT's dict of a result: `id`, `name`, `result`, then `error` and `metadata` when present. */
export function toolResultDict(result: ToolResult): Record<string, unknown> {
  return {
    id: result.callId ?? null,
    name: result.name,
    result: result.result ?? null,
    ...(result.error === undefined ? {} : { error: result.error }),
    ...(result.metadata && Object.keys(result.metadata).length > 0 ? { metadata: result.metadata } : {}),
  };
}
