import { of } from 'rxjs';
import { z } from 'zod';
import { appendStep, makeStep } from '../../../lib/conversation/conversation.ts';
import { defineStage, dropConversation } from '../../../lib/conversation/stage.ts';
import { createToolSampler, samplerTypes } from '../../../lib/tools/samplers/create-tool-sampler.ts';
import { SamplingError } from '../../../lib/tools/samplers/sampling-error.ts';
import type { ToolSampler } from '../../../lib/tools/samplers/tool-sampler.ts';
import { toolDict } from '../../../lib/tools/tool-dict.ts';
import type { SharedSetup } from './shared-setup.ts';

const samplerEntry = z.strictObject({ sampler: z.looseObject({ type: z.string() }), weight: z.number().min(0).default(1) });

/** A day between 1990-01-01 and 2025-12-31 (DGT's `_get_random_date`), as `YYYY-MM-DD`. */
export function randomDate(random: () => number): string {
  const start = Date.UTC(1990, 0, 1);
  const days = (Date.UTC(2025, 11, 31) - start) / 86_400_000;
  return new Date(start + Math.floor(random() * days) * 86_400_000).toISOString().slice(0, 10);
}

/**
 * DGT's `tool_calling/multi_turn/stages/scenario_generator` (initialization, no LM call): draws one sampler of
 * `sampler_mix` by weight, samples the conversation's tools with it from the task's registry, draws a date, and
 * appends a `tc/sampler` step `{ tools, date }`. A sampler that cannot give its `k` tools drops the conversation.
 *
 * ## Example
 * ```yaml
 * initialization_stages:
 *   - name: tool_calling/multi_turn/stages/scenario_generator
 *     sampler_mix:
 *       - { sampler: { type: tc/random, k: 4 }, weight: 1.0 }
 * ```
 * @throws {ConfigError} naming the task file and `sampler_mix.<i>.sampler.type` for an unknown sampler (when the
 *   task is loaded), and its other settings when the tools are built
 */
export const scenarioGeneratorStage = (shared: SharedSetup) =>
  defineStage({
    name: 'tool_calling/multi_turn/stages/scenario_generator',
    config: { generator: z.string().optional(), sampler_mix: z.array(samplerEntry).min(1) },
    create: ({ name, config, task, field, configError }) => {
      config.sampler_mix.forEach((entry, index) => {
        if (!(samplerTypes as readonly string[]).includes(entry.sampler.type)) {
          throw configError(`unknown tool sampler ${JSON.stringify(entry.sampler.type)}: expected one of ${samplerTypes.join(', ')}`, `sampler_mix.${index}.sampler.type`);
        }
      });
      if (config.sampler_mix.every((entry) => entry.weight === 0)) throw configError('every sampler of `sampler_mix` has weight 0', 'sampler_mix');
      let samplers: ToolSampler[] = [];
      shared.handle.whenReady((tools) => {
        samplers = config.sampler_mix.map((entry, index) => createToolSampler(entry.sampler, tools.registry, { file: task.file, field: `${field}.sampler_mix.${index}.sampler` }));
      });
      const total = config.sampler_mix.reduce((sum, entry) => sum + entry.weight, 0);
      return (conversation, context) => {
        let draw = context.random() * total;
        const index = Math.max(0, config.sampler_mix.findIndex((entry) => (draw -= entry.weight) < 0));
        const sampler = samplers[index]!;
        try {
          const tools = sampler.sample(context.random);
          if (tools.length === 0) return of(dropConversation('no_tools', `the sampler \`${sampler.name}\` gave no tools`));
          const step = makeStep('tc/sampler', { content: null, stage_name: name, tools: tools.map((tool) => toolDict(tool)), date: randomDate(context.random) });
          return of(appendStep(conversation, step));
        } catch (error) {
          if (!SamplingError.isInstance(error)) throw error;
          return of(dropConversation('sampling_failed', `the sampler \`${sampler.name}\` could not draw its tools: ${error.message}`));
        }
      };
    },
  });
