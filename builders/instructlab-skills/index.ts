import { z } from 'zod';
import type { BuilderDefinition } from '../../lib/builder-registry.ts';
import { packagePath } from '../../lib/package-path.ts';
import { withPostprocess } from '../../lib/run/task-options.ts';
import { instructlabSkills } from './instructlab-skills.ts';
import { skillTemplates } from './skill-templates.ts';

export { instructlabSkills, type InstructlabSkillsConfig, type SkillsRecord } from './instructlab-skills.ts';
export { skillTemplateNames, skillTemplates, type SkillTemplateName } from './skill-templates.ts';
export { extractContext, readRating, splitQuestions } from './skills-text.ts';

/**
 * The builders of this folder, as the registry lists them: DGT's `instructlab/skills`.
 *
 * ## Example
 * ```yaml
 * # task.yaml (DGT's format); run: npx rxdgt run --task-paths samples/instructlab-skills/freeform
 * task_name: skills/writing/freeform/debate
 * task_description: Write the opening statement of a debate.
 * created_by: rxdgt
 * data_builder: instructlab/skills
 * num_icl_examples_per_prompt: 3            # DGT's task fields (defaults 3 and 5)
 * num_questions_to_generate_per_prompt: 5
 * # prompt_templates_dir: my_templates      # optional: <name>.txt files, relative to this file
 * seed_examples:
 *   - question: Open a debate on school uniforms, arguing for them.
 *     answer: Ladies and gentlemen, ...
 *     # context: ...                        # seeds with a context make the task grounded
 * ```
 * The builder YAML (`skills.yaml`) has DGT's blocks: `generator`, `validator` (`lm_judge`), `tagger` (`magpie_tag`),
 * and the postprocessors `dedup` (`magpie_distance`) and `filter` (`magpie_filter`), run as DGT runs them: over every
 * record when the task ends (`final_data` holds what they keep; `data.jsonl` every record made).
 */
export const instructlabSkillsBuilders: readonly BuilderDefinition[] = [
  {
    name: 'instructlab/skills',
    kind: 'generation',
    yamlPath: packagePath('builders', 'instructlab-skills', 'skills.yaml'),
    taskFields: {
      num_icl_examples_per_prompt: z.int().min(1).optional(),
      num_questions_to_generate_per_prompt: z.int().min(1).optional(),
      prompt_templates_dir: z.string().min(1).optional(),
    },
    create: (blocks, task) => {
      const has = (name: string) => blocks.spec.blocks.some((block) => block.name === name);
      // Tags on each record as it is made; the postprocessors (dedup over the whole set, then filter) when the task ends.
      const after = has('tagger') && !blocks.isPostprocessor('tagger') ? [blocks.operator('tagger')] : [];
      const postprocess = blocks.postprocess();
      const icl = task.spec['num_icl_examples_per_prompt'] as number | undefined;
      const asked = task.spec['num_questions_to_generate_per_prompt'] as number | undefined;
      const builder = instructlabSkills({
        generator: blocks.engine('generator'),
        judge: blocks.engine('validator.lm_config'),
        templates: skillTemplates(blocks.directory, task),
        taskDescription: task.spec.task_description,
        ...(icl === undefined ? {} : { numIclExamplesPerPrompt: icl }),
        ...(asked === undefined ? {} : { numQuestionsToGeneratePerPrompt: asked }),
        after,
      });
      return postprocess ? withPostprocess(builder, postprocess) : builder;
    },
  },
];
