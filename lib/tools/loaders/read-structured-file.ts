import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../../errors/config-error.ts';
import { describeFsCause } from '../../errors/datastore-error.ts';
import { errorMessage } from '../../error-message.ts';

/**
 * The parsed content of a `.yaml`, `.yml` or `.json` file a task names (a tool file, an OpenAPI document).
 *
 * ## Example
 * ```ts
 * await readStructuredFile('/task/tools.yaml', 'tools.yaml', { file: '/task/task.yaml', field: 'tools.registry.0.path' });
 * ```
 * @throws {ConfigError} naming the task file and the field, with the cause: another extension, a missing or
 *   unreadable file, text that does not parse (with the file's name and the parser's words)
 */
export async function readStructuredFile(path: string, written: string, where: { readonly file: string | undefined; readonly field: string }): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(extension)) {
    throw new ConfigError(`\`${written}\` has the unsupported extension \`${extension || '(none)'}\`: use .yaml, .yml or .json`, where);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read \`${written}\`: ${describeFsCause(error)}`, { ...where, cause: error });
  }
  return parseStructuredText(text, extension === '.json' ? 'json' : 'yaml', written, where);
}

/** Parses JSON or YAML text; a syntax error is a ConfigError naming `written` and the parser's message. */
export function parseStructuredText(text: string, syntax: 'json' | 'yaml', written: string, where: { readonly file: string | undefined; readonly field: string }): unknown {
  try {
    return syntax === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`\`${written}\` is not valid ${syntax === 'json' ? 'JSON' : 'YAML'}: ${errorMessage(error).split('\n')[0]}`, { ...where, cause: error });
  }
}
