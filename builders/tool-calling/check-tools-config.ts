import { zodIssueToConfigError } from '../../lib/config/zod-issue.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { engineSchemas, loaderSchemas, toolsConfigSchema } from '../../lib/tools/tools-config.ts';

/**
 * Checks a task's `tools:` block as far as it can be without reading files or starting servers (`buildTools` does
 * the rest when the run starts), so that a block that does not parse, an unknown loader or engine type, or an
 * `engine:` not among `tools.engines` stops the run before any call, exit 2.
 *
 * ## Example
 * ```ts
 * checkToolsConfig({ registry: [{ type: 'fil', path: 'tools.yaml' }] }, { file: 'task.yaml', field: 'tools' });
 * // ConfigError: task.yaml: field `tools.registry.0.type`: unknown tool loader "fil": expected one of file, inline, rest, mcp
 * ```
 * @throws {ConfigError} naming the task file and the field
 */
export function checkToolsConfig(config: unknown, place: { readonly file: string | undefined; readonly field: string }): void {
  const { file, field } = place;
  const parsed = toolsConfigSchema.safeParse(config);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, file, { fieldPrefix: field });
  const engines = Object.keys(parsed.data.engines);
  for (const [index, entry] of parsed.data.registry.entries()) {
    const at = `${field}.registry.${index}`;
    const schema = Object.hasOwn(loaderSchemas, entry.type) ? loaderSchemas[entry.type as keyof typeof loaderSchemas] : undefined;
    if (!schema) throw new ConfigError(`unknown tool loader ${JSON.stringify(entry.type)}: expected one of ${Object.keys(loaderSchemas).join(', ')}`, { file, field: `${at}.type` });
    const checked = schema.safeParse(entry);
    if (!checked.success) throw zodIssueToConfigError(checked.error, file, { fieldPrefix: at });
    const engine = entry['engine'];
    if (typeof engine === 'string' && !engines.includes(engine)) {
      throw new ConfigError(`engine \`${engine}\` is not among \`tools.engines\`${engines.length > 0 ? ` (${engines.join(', ')})` : ''}`, { file, field: `${at}.engine` });
    }
  }
  for (const [name, entry] of Object.entries(parsed.data.engines)) {
    const at = `${field}.engines.${name}`;
    const schema = Object.hasOwn(engineSchemas, entry.type) ? engineSchemas[entry.type as keyof typeof engineSchemas] : undefined;
    if (!schema) throw new ConfigError(`unknown tool engine ${JSON.stringify(entry.type)}: expected one of ${Object.keys(engineSchemas).join(', ')}`, { file, field: `${at}.type` });
    const checked = schema.safeParse(entry);
    if (!checked.success) throw zodIssueToConfigError(checked.error, file, { fieldPrefix: at });
  }
}
