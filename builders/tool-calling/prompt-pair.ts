import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from '../../lib/model/language-model.ts';
import { type PromptTemplate, loadTemplate } from '../../lib/template.ts';

/** Where a stage's prompt file is, for errors. */
export interface PromptPlace {
  /** A ConfigError naming the stage (its `setup.configError`). */
  configError(message: string): Error;
}

/**
 * Loads `prompts/<folder>/<file>.txt` of the builder's folder (`blocks.directory`: DGT's own folder when DGT's
 * builder YAML is in use), a Jinja template with DGT's variable names.
 * @throws the stage's ConfigError naming the file when it is missing or does not compile
 */
export function loadPrompt(directory: string, folder: string, file: string, place: PromptPlace): PromptTemplate {
  const path = join(directory, 'prompts', folder, `${file}.txt`);
  if (!existsSync(path)) throw place.configError(`prompt template ${path} does not exist`);
  try {
    return loadTemplate(path);
  } catch (error) {
    throw place.configError(`prompt template ${path} does not compile: ${(error as Error).message}`);
  }
}

/**
 * The two messages DGT's stages send: `prompts/<folder>/<prefix>instructions.txt` as the system message and
 * `prompts/<folder>/<prefix>user.txt` as the user message, both rendered with the same variables.
 *
 * ## Example
 * ```ts
 * const plan = promptPair(blocks.directory, 'plan', setup);
 * plan({ tools: '[]', date: '2024-01-02', persona: '', plan_length: 3, prior_tool_calls: '[]', allow_nested: true });
 * // [{ role: 'system', content: '...' }, { role: 'user', content: '<tools>\n[]\n</tools>...' }]
 * ```
 */
export function promptPair(directory: string, folder: string, place: PromptPlace, prefix = ''): (variables: Readonly<Record<string, unknown>>) => ChatMessage[] {
  const instructions = loadPrompt(directory, folder, `${prefix}instructions`, place);
  const user = loadPrompt(directory, folder, `${prefix}user`, place);
  return (variables) => [
    { role: 'system', content: instructions.render(variables).trim() },
    { role: 'user', content: user.render(variables).trim() },
  ];
}
