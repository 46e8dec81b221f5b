import type { Tool } from '../tool.ts';

function lines(schema: Readonly<Record<string, unknown>>): string[] {
  const properties = schema['properties'];
  if (typeof properties !== 'object' || properties === null) return [];
  return Object.entries(properties).map(([name, info]) => {
    const record = typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : {};
    const type = typeof record['type'] === 'string' ? ` (${record['type']})` : '';
    const description = typeof record['description'] === 'string' && record['description'] ? `: ${record['description']}` : '';
    return `  ${name}${type}${description}`;
  });
}

/**
 * The text a tool is embedded as (what DGT's embedding enrichments encode): its name, description, input
 * parameters and, when known, output parameters, each with type and description.
 *
 * ## Example
 * ```ts
 * toolText(weather); // 'Tool "get_weather". Current weather for a city.\nInputs:\n  city (string): City name'
 * ```
 */
export function toolText(tool: Tool): string {
  const inputs = lines(tool.parameters);
  const outputs = lines(tool.outputParameters);
  return [`Tool "${tool.name}".${tool.description ? ` ${tool.description}` : ''}`, ...(inputs.length ? ['Inputs:', ...inputs] : []), ...(outputs.length ? ['Outputs:', ...outputs] : [])].join('\n');
}

/** The text of one parameter (DGT's per-parameter sentence): name, type, description. */
export function parameterText(name: string, info: unknown, withType: boolean): string {
  const record = typeof info === 'object' && info !== null ? (info as Record<string, unknown>) : {};
  const type = withType ? `\nType: ${typeof record['type'] === 'string' ? record['type'] : ''}` : '';
  return `Name: ${name}${type}\nDescription: ${typeof record['description'] === 'string' ? record['description'] : ''}`;
}
