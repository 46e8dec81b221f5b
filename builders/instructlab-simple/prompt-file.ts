import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { describeFsCause } from '../../lib/errors/datastore-error.ts';
import { type PromptTemplate, compileTemplate } from '../../lib/template.ts';
import { defaultPromptTemplate } from './default-prompt.ts';

/**
 * The simple builder's prompt template: the Jinja file `--prompt-file-path` names (DGT's `prompt_file_path`,
 * relative to `cwd`), or, without one, the default for the generator's model family. As in DGT, the file's text is
 * trimmed and ends with one newline.
 *
 * ## Example
 * ```ts
 * simplePromptTemplate({ promptFilePath: 'prompts/tasks.txt', modelId: 'granite4:3b', cwd: process.cwd() });
 * ```
 * @throws {ConfigError} naming `--prompt-file-path` and the resolved path when the file cannot be read, or its Jinja does not compile
 */
export function simplePromptTemplate(options: { readonly promptFilePath?: string | undefined; readonly modelId: string; readonly cwd: string }): PromptTemplate {
  const { promptFilePath, modelId, cwd } = options;
  if (promptFilePath === undefined) return compileTemplate(`${defaultPromptTemplate(modelId).trim()}\n`);
  const path = resolve(cwd, promptFilePath);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`\`--prompt-file-path\`: cannot read the prompt template \`${promptFilePath}\` (${path}): ${describeFsCause(error)}`, { field: '--prompt-file-path', cause: error });
  }
  try {
    return compileTemplate(`${source.trim()}\n`);
  } catch (error) {
    throw new ConfigError(`\`--prompt-file-path\`: the prompt template ${path} is not valid Jinja: ${(error as Error).message}`, { file: path, cause: error });
  }
}
