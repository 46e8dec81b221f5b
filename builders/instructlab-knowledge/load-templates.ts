import { existsSync, statSync } from 'node:fs';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { type PromptTemplate, loadTemplate } from '../../lib/template.ts';
import type { KnowledgeCriterion } from './task-fields.ts';
import { resolveInside } from '../../lib/blocks/resolve-inside.ts';

/** Where the templates come from, for errors: the file and field that named the folder. */
export interface TemplateFolder {
  readonly directory: string;
  readonly file: string;
  readonly field: string;
}

/** Compiles `<name>.txt` of the folder (a Jinja template, DGT's `JinjaPromptTemplate`). */
function templateOf(folder: TemplateFolder, name: string): PromptTemplate {
  // A template that is a link out of its folder is refused, as every file a builder names.
  const path = resolveInside(folder.directory, `${name}.txt`, { file: folder.file, field: folder.field });
  if (!existsSync(path)) throw new ConfigError(`the prompt template \`${name}.txt\` is missing from \`${folder.directory}\``, { file: folder.file, field: folder.field });
  try {
    return loadTemplate(path);
  } catch (error) {
    throw new ConfigError(`the prompt template \`${path}\` does not compile: ${(error as Error).message}`, { file: folder.file, field: folder.field, cause: error });
  }
}

/**
 * The knowledge builder's templates, as DGT names them in its `prompt_templates` folder: the generation prompt of the
 * question style (`frq_question_generation`, `mcq_question_generation`) and `<criterion>_criterion` per criterion.
 *
 * ## Example
 * ```ts
 * loadKnowledgeTemplates({ directory: 'builders/instructlab-knowledge/prompt_templates', file: 'knowledge.yaml', field: 'blocks' }, 'FRQ', ['relevancy']);
 * ```
 * @throws {ConfigError} naming `file` and `field` when the folder or a template is missing, or a template does not compile
 */
export function loadKnowledgeTemplates(folder: TemplateFolder, questionStyle: 'FRQ' | 'MCQ', criteria: readonly KnowledgeCriterion[]) {
  if (!existsSync(folder.directory) || !statSync(folder.directory).isDirectory()) {
    throw new ConfigError(`the prompt templates folder \`${folder.directory}\` does not exist`, { file: folder.file, field: folder.field });
  }
  const generation = templateOf(folder, questionStyle === 'MCQ' ? 'mcq_question_generation' : 'frq_question_generation');
  const criterionTemplates = new Map(criteria.map((criterion) => [criterion, templateOf(folder, `${criterion}_criterion`)] as const));
  return { generation, criteria: criterionTemplates };
}
