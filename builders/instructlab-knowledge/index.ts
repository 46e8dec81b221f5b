import { join } from 'node:path';
import { z } from 'zod';
import type { BuilderDefinition, BuilderTask, ResolvedBlocks } from '../../lib/builder-registry.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { packagePath } from '../../lib/package-path.ts';
import { withPostprocess } from '../../lib/run/task-options.ts';
import { chunkDocuments, documentTexts } from './chunk-documents.ts';
import { instructlabKnowledge } from './knowledge-builder.ts';
import { loadKnowledgeTemplates } from './load-templates.ts';
import { type KnowledgeCriterion, type KnowledgeDocument, knowledgeCriteria, knowledgeTaskFields } from './task-fields.ts';

export { chunkDocuments, documentTexts, type KnowledgeChunk } from './chunk-documents.ts';
export { instructlabKnowledge, type InstructlabKnowledgeConfig, type KnowledgeRecord } from './knowledge-builder.ts';
export { parseQuestionAnswers, type QuestionAnswer } from './parse-question-answers.ts';
export { readCriterion, type CriterionReading } from './read-criterion.ts';
export { knowledgeTaskFields, knowledgeCriteria, type KnowledgeCriterion } from './task-fields.ts';

type KnowledgeFields = { readonly [K in keyof typeof knowledgeTaskFields]?: z.output<(typeof knowledgeTaskFields)[K]> };

/** The document chunks of a task: every group's texts, in file order, chunked; an empty text is an error naming its group. */
function chunksOf(task: BuilderTask, fields: KnowledgeFields, field: (name: string) => string) {
  if (fields.knowledge !== undefined) {
    throw new ConfigError('reading documents from a `knowledge` datastore is not supported yet; name the files under `include: { documents: { <group>: <path or glob> } }`', { file: task.file, field: field('knowledge') });
  }
  const groups = Object.entries(fields.documents ?? {});
  if (groups.length === 0) throw new ConfigError('the task needs documents: `include: { documents: { <group>: <path or glob> } }`', { file: task.file, field: field('documents') });
  const domain = fields.domain ?? task.spec.task_name;
  const texts = groups.flatMap(([group, document]) => {
    const found = documentTexts(document as KnowledgeDocument);
    if (found.length === 0 || found.some((text) => text.trim() === '')) throw new ConfigError(`document group \`${group}\` has an empty document`, { file: task.file, field: field(`documents.${group}`) });
    return found;
  });
  return { chunks: chunkDocuments(texts, { chunkSize: fields.chunk_size ?? -1, domain }), domain };
}

/** Builds the knowledge builder of one task from its blocks and its task fields. */
function create(blocks: ResolvedBlocks, task: BuilderTask) {
  const fields = task.spec as KnowledgeFields;
  const field = (name: string) => (task.fieldPrefix ? `${task.fieldPrefix}.${name}` : name);
  const { chunks, domain } = chunksOf(task, fields, field);
  const questionStyle = fields.question_style ?? 'FRQ';
  const criteria: readonly KnowledgeCriterion[] = fields.criteria ?? knowledgeCriteria;
  const file = task.file ?? join(task.directory, 'task.yaml');
  const folder =
    fields.prompt_templates_dir === undefined
      ? { directory: join(blocks.directory, 'prompt_templates'), file: join(blocks.directory, 'knowledge.yaml'), field: 'blocks' }
      : { directory: task.resolvePath(fields.prompt_templates_dir, field('prompt_templates_dir')), file, field: field('prompt_templates_dir') };
  const templates = loadKnowledgeTemplates(folder, questionStyle, criteria);
  const validator = blocks.engines.get('validator.lm_config') ?? blocks.engine('validator');
  const { filter } = blocks.config('validator', z.looseObject({ filter: z.boolean().default(true) }));
  // DGT tags each pair when the builder has a tagger, then runs its postprocessors (dedup, filter) over everything
  // made, when the task ends.
  const hasTagger = blocks.spec.blocks.some((block) => block.name === 'tagger') && !blocks.isPostprocessor('tagger');
  const then = hasTagger ? [blocks.operator('tagger')] : [];
  const postprocess = blocks.postprocess();
  const builder = instructlabKnowledge({
    generator: blocks.engine('generator'),
    validator,
    chunks,
    templates,
    taskDescription: task.spec.task_description,
    domain,
    questionStyle,
    examplesPerPrompt: fields.num_icl_examples_per_prompt ?? 3,
    criteria,
    loopOver: fields.loop_over ?? false,
    filter,
    then,
  });
  return postprocess ? withPostprocess(builder, postprocess) : builder;
}

/**
 * DGT's `instructlab/knowledge` builder: question-answer pairs grounded in the task's documents, judged per criterion,
 * tagged, deduplicated and filtered. See {@link instructlabKnowledge} for what each input does.
 *
 * ## Example
 * ```yaml
 * # task.yaml
 * task_name: knowledge/astronomy/moons
 * task_description: Teach a model about moons
 * data_builder: instructlab/knowledge
 * seed_examples:
 *   - { question: What is a moon?, answer: A natural satellite of a planet. }
 * include:
 *   documents:
 *     moons: docs/moons.md    # inside the task's folder
 * chunk_size: 800
 * loop_over: true
 * ```
 */
export const instructlabKnowledgeBuilders: readonly BuilderDefinition[] = [
  {
    name: 'instructlab/knowledge',
    kind: 'generation',
    yamlPath: packagePath('builders', 'instructlab-knowledge', 'knowledge.yaml'),
    taskFields: knowledgeTaskFields,
    create,
  },
];
