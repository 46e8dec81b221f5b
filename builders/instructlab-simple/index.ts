import { resolve } from 'node:path';
import type { BuilderDefinition } from '../../lib/builder-registry.ts';
import { packagePath } from '../../lib/package-path.ts';
import { instructlabSimple } from './instructlab-simple.ts';
import { simplePromptTemplate } from './prompt-file.ts';

export { instructlabSimple, type InstructlabSimpleConfig } from './instructlab-simple.ts';
export { parseTasks, type DiscardedTask, type ParsedTask } from './parse-tasks.ts';
export { encodePrompt } from './encode-prompt.ts';
export { toSimpleExample, type SimpleRecord } from './simple-example.ts';
export { simplePromptTemplate } from './prompt-file.ts';
export { defaultPromptTemplate } from './default-prompt.ts';

/**
 * The builders of this folder, as the registry lists them: DGT's `public/instructlab/simple`.
 *
 * ## Example
 * ```yaml
 * # task.yaml (DGT's format); run: npx rxdgt run --task-paths samples/instructlab-simple --num-prompt-instructions 2
 * task_name: public/instructlab/simple/temporal_reasoning
 * task_description: To teach a language model about chronological order of time.
 * created_by: IBM
 * data_builder: public/instructlab/simple
 * seed_examples:
 *   - question: I left after Ana and before Raj. Who left first?
 *     answer: Ana left first, then you, then Raj.
 * ```
 * The builder YAML (`simple.yaml`) has DGT's blocks: `generator` (LM), `validator` (`noop`) and `rouge_val`
 * (`rouge_scorer`, a postprocessor). `--prompt-file-path` resolves against the working directory.
 */
export const instructlabSimpleBuilders: readonly BuilderDefinition[] = [
  {
    name: 'public/instructlab/simple',
    kind: 'generation',
    yamlPath: packagePath('builders', 'instructlab-simple', 'simple.yaml'),
    create: (blocks, task) => {
      const generator = blocks.engine('generator');
      const template = simplePromptTemplate({ promptFilePath: task.settings.promptFilePath, modelId: generator.model.modelId, cwd: resolve('.') });
      const postprocessors = blocks.spec.postprocessors.map((entry) => blocks.operator(entry.name));
      const has = (name: string) => blocks.spec.blocks.some((block) => block.name === name);
      return instructlabSimple({
        generator,
        template,
        taskDescription: task.spec.task_description,
        ...(task.settings.numPromptInstructions === undefined ? {} : { numPromptInstructions: task.settings.numPromptInstructions }),
        ...(has('validator') ? { validator: blocks.operator('validator') } : {}),
        postprocessors,
      });
    },
  },
];
