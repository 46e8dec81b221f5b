import { z } from 'zod';
import { ConfigError } from '../errors/config-error.ts';
import { type Tool, defaultNamespace } from './tool.ts';

const schemaObject = z.record(z.string(), z.unknown());

/** One tool definition as DGT writes it (OpenAI's function keys plus `namespace`, `output_parameters`, `metadata`). */
const toolDictSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  description: z.string().nullish(),
  parameters: schemaObject.nullish(),
  output_parameters: schemaObject.nullish(),
  metadata: schemaObject.nullish(),
});

/** Where a tool definition was written, for errors. */
export interface ToolPlace {
  readonly file: string | undefined;
  /** Dotted path of the definition (`tools.registry.0.tools.2`, or `3` in a tool file). */
  readonly field: string;
}

/**
 * A `Tool` from DGT's dict: `name` (required), `description`, `parameters`, `output_parameters`, `metadata`. The
 * namespace is the dict's own `namespace`, else `namespace` (the loader's), else `default`, as DGT resolves it. An
 * OpenAI-style `{ type: function, function: {...} }` wrapper is unwrapped.
 *
 * ## Example
 * ```ts
 * toolFromDict({ name: 'get_weather', parameters: { type: 'object' } }, 'weather_api', { file: 'tools.yaml', field: '0' }).namespace; // 'weather_api'
 * ```
 * @throws {ConfigError} naming the file and the field of the definition when it is not a tool
 */
export function toolFromDict(dict: unknown, namespace: string | undefined, place: ToolPlace): Tool {
  const unwrapped = isFunctionWrapper(dict) ? dict.function : dict;
  const parsed = toolDictSchema.safeParse(unwrapped);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = [place.field, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    const what = typeof unwrapped === 'object' && unwrapped !== null && !Array.isArray(unwrapped) ? issue.message : `expected a tool definition (an object with a \`name\`), received ${describe(unwrapped)}`;
    throw new ConfigError(`invalid tool definition: ${what}`, { file: place.file, field });
  }
  const tool = parsed.data;
  return {
    name: tool.name,
    namespace: tool.namespace ?? namespace ?? defaultNamespace,
    description: tool.description ?? '',
    parameters: tool.parameters ?? {},
    outputParameters: tool.output_parameters ?? {},
    metadata: tool.metadata ?? {},
  };
}

function isFunctionWrapper(value: unknown): value is { function: unknown } {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['type'] === 'function' && typeof (value as Record<string, unknown>)['function'] === 'object';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string' ? `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value)}` : `a ${typeof value}`;
}
