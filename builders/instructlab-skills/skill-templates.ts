import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BuilderTask } from '../../lib/builder-registry.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { type PromptTemplate, compileTemplate } from '../../lib/template.ts';
import { resolveInside } from '../../lib/blocks/resolve-inside.ts';

/** The prompt templates the skills builder reads, by DGT's file names (without `.txt`). */
export const skillTemplateNames = [
  'freeform_question_generation',
  'freeform_question_validation',
  'answer_generation',
  'answer_validation',
  'context_generation',
  'context_based_question_generation',
  'context_based_question_validation',
  'context_based_answer_generation',
  'context_based_answer_validation',
] as const;

export type SkillTemplateName = (typeof skillTemplateNames)[number];

/**
 * The skills builder's Jinja prompt templates: `<name>.txt` files of the task's `prompt_templates_dir` (relative to
 * the task file's folder, and inside it; or an absolute path), else of `prompt_templates/` in the builder's folder.
 *
 * ## Example
 * ```ts
 * const templates = skillTemplates(blocks.directory, task);
 * templates.answer_generation.render({ icl_question: 'Q?', icl_response: 'A.', question: 'New Q?' });
 * ```
 * @throws {ConfigError} naming the task file and `prompt_templates_dir` when the folder is missing, or the builder's folder when a template is missing or bad
 */
export function skillTemplates(builderDirectory: string, task: BuilderTask): Record<SkillTemplateName, PromptTemplate> {
  const given = task.spec['prompt_templates_dir'];
  const field = task.fieldPrefix ? `${task.fieldPrefix}.prompt_templates_dir` : 'prompt_templates_dir';
  let folder = join(builderDirectory, 'prompt_templates');
  if (typeof given === 'string') {
    folder = task.resolvePath(given, field);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      throw new ConfigError(`\`prompt_templates_dir\` names \`${given}\`, which is not a folder (${folder}); leave it out to use the builder's own templates`, { file: task.file, field });
    }
  }
  const entries = skillTemplateNames.map((name) => {
    // A template that is a link out of its folder is refused, as every file a builder names.
    const path = resolveInside(folder, `${name}.txt`, { file: task.file ?? folder, field });
    let source: string;
    try {
      source = readFileSync(path, 'utf8');
    } catch {
      throw new ConfigError(`the skills builder needs the prompt template \`${name}.txt\` in ${folder}`, { file: typeof given === 'string' ? task.file : path, ...(typeof given === 'string' ? { field } : {}) });
    }
    try {
      return [name, compileTemplate(source)] as const;
    } catch (error) {
      throw new ConfigError(`the prompt template ${path} is not valid Jinja: ${(error as Error).message}`, { file: path, cause: error });
    }
  });
  return Object.fromEntries(entries) as Record<SkillTemplateName, PromptTemplate>;
}
