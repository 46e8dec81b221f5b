import { ConfigError } from '../../errors/config-error.ts';
import type { ToolPlace } from '../tool-from-dict.ts';
import { toolFromDict } from '../tool-from-dict.ts';
import { type Tool, defaultNamespace } from '../tool.ts';

/**
 * The tools of a parsed tool file, in DGT's three shapes: a list of definitions (namespace `default`); a mapping
 * whose first value is a list (its key is the namespace); a mapping of names to definitions. The loader's
 * `namespace` beats the file's, and a definition's own `namespace` beats both.
 *
 * ## Example
 * ```ts
 * toolsOfFile({ weather_api: [{ name: 'get_weather' }] }, undefined, { file: 'w.yaml', field: '' })[0].namespace; // 'weather_api'
 * ```
 * @throws {ConfigError} naming the file when the content is none of the shapes, or a definition is not a tool
 */
export function toolsOfFile(raw: unknown, namespace: string | undefined, place: ToolPlace): Tool[] {
  let entries: [string, unknown][];
  let fileNamespace = defaultNamespace;
  if (Array.isArray(raw)) {
    entries = raw.map((dict, index) => [String(index), dict]);
  } else if (typeof raw === 'object' && raw !== null) {
    const [first] = Object.entries(raw);
    if (first && Array.isArray(first[1])) {
      fileNamespace = first[0];
      entries = first[1].map((dict, index) => [`${first[0]}.${index}`, dict]);
    } else {
      entries = Object.entries(raw);
    }
  } else {
    throw new ConfigError(
      `a tool file holds a list of tool definitions, a mapping of a namespace to such a list, or a mapping of tool names to definitions; this one holds ${raw === null || raw === undefined ? 'nothing' : `a ${typeof raw}`}`,
      { file: place.file, field: place.field || undefined },
    );
  }
  const resolved = namespace ?? fileNamespace;
  return entries.map(([field, dict]) => toolFromDict(dict, resolved, { file: place.file, field: [place.field, field].filter(Boolean).join('.') }));
}
