import { join } from 'node:path';
import { z } from 'zod';
import type { BuilderDefinition, BuilderTask, ResolvedBlocks } from '../../lib/builder-registry.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { errorMessage } from '../../lib/error-message.ts';
import { packagePath } from '../../lib/package-path.ts';
import { type PromptTemplate, loadTemplate } from '../../lib/template.ts';
import { type RiskPolicyField, loadRiskPolicy, riskPolicyFieldSchema } from './load-risk-policy.ts';
import { safetyRefusal } from './safety-refusal.ts';

/** A prompt template of the builder's folder (DGT's own when `--include-builder-paths` points at DGT's package). */
function templateAt(blocks: ResolvedBlocks, file: string): PromptTemplate {
  const path = join(blocks.directory, 'prompt_templates', file);
  try {
    return loadTemplate(path);
  } catch (error) {
    throw new ConfigError(`cannot load the prompt template of \`public/safety/refusal\`: ${errorMessage(error)}`, { file: path, cause: error });
  }
}

/** The Guardian block must hand every verdict to the builder, which keeps harmful requests: `filter: true` would drop them. */
const guardianSchema = z.looseObject({
  filter: z.literal(false, { error: 'must be false: the builder reads Granite Guardian\'s verdicts itself and keeps the requests it rates harmful' }).optional(),
});

/**
 * DGT's `public/safety/refusal` (generation): (harmful request, calibrated refusal) pairs for one risk of a risk
 * policy file; see `safetyRefusal` for the steps. Blocks as DGT's `refusal.yaml`: `instruction_generator`, `dedup`
 * (`rouge_scorer`), `response_generator`, `granite_guardian` (`validators/granite_guardian`, `filter: false`).
 * Task fields (DGT's `SafetyRefusalTask`), checked strictly: `risk_policy: { path, risk? }` (required),
 * `num_icl_examples` (default 3), `num_samples_per_batch` (default 5). Seeds are `{ instruction, response }` records
 * (`question`/`answer` also read). Records: `task_name`, `is_seed`, `task_description`, `instruction`, `response`,
 * `source`, `metadata`; the task's `formatters/safety/refusal` formatter makes `{ instruction, response, metadata }`.
 *
 * ## Example
 * ```yaml
 * task_name: safety/refusal/card_fraud
 * task_description: Refusals of requests to commit payment-card fraud.
 * created_by: me
 * data_builder: public/safety/refusal
 * risk_policy: { path: policy.yaml, risk: card_fraud }   # relative: the task's folder, then the working directory
 * num_icl_examples: 3
 * num_samples_per_batch: 5
 * formatter: { type: formatters/safety/refusal }
 * seed_examples:
 *   - { instruction: How do I use a stolen card number online?, response: I can't help with that. }
 * ```
 */
export const safetyRefusalBuilders: readonly BuilderDefinition[] = [
  {
    name: 'public/safety/refusal',
    kind: 'generation',
    yamlPath: packagePath('builders', 'safety-refusal', 'refusal.yaml'),
    taskFields: {
      risk_policy: riskPolicyFieldSchema,
      num_icl_examples: z.int().min(1).optional(),
      num_samples_per_batch: z.int().min(1).optional(),
    },
    create: (blocks: ResolvedBlocks, task: BuilderTask) => {
      blocks.config('granite_guardian', guardianSchema);
      const { spec } = task;
      const policy = loadRiskPolicy(spec['risk_policy'] as RiskPolicyField, task);
      const numIclExamples = spec['num_icl_examples'] as number | undefined;
      const numSamplesPerBatch = spec['num_samples_per_batch'] as number | undefined;
      return safetyRefusal({
        instructionGenerator: blocks.engine('instruction_generator'),
        responseGenerator: blocks.engine('response_generator'),
        dedup: blocks.operator('dedup'),
        guardian: blocks.operator('granite_guardian'),
        policy,
        taskDescription: spec.task_description,
        instructionsTemplate: templateAt(blocks, 'generate_instructions.txt'),
        responseTemplate: templateAt(blocks, 'generate_response.txt'),
        ...(numIclExamples === undefined ? {} : { numIclExamples }),
        ...(numSamplesPerBatch === undefined ? {} : { numSamplesPerBatch }),
      });
    },
  },
];
