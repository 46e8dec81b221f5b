import { z } from 'zod';
import type { BuilderTask } from '../../lib/builder-registry.ts';
import { zodIssueToConfigError } from '../../lib/config/zod-issue.ts';
import { conversationTaskFields } from '../../lib/conversation/conversation-task-fields.ts';
import { ConfigError } from '../../lib/errors/config-error.ts';

const stageEntry = z.looseObject({ name: z.string().min(1) });

/**
 * The task fields of DGT's `ConversationToolCallingStatelessTask`: the conversation fields, the `tools:` block
 * (checked by `buildTools`), `termination_stages` (run once on each finished conversation: `filter`,
 * `error_hint`), and the plan settings every stage gets.
 */
export const statelessTaskFields = {
  ...conversationTaskFields,
  tools: z.unknown(),
  termination_stages: z.array(stageEntry).default([]),
  /** Plans chain calls through each other's outputs (`$1.field`). @default false */
  has_nested: z.boolean().default(false),
  /** Some calls of a plan are hidden from the user's request (the assistant makes them on its own). @default true */
  separate_context: z.boolean().default(true),
  /** Fewest calls of a plan. @default 1 */
  min_plan_length: z.int().min(1).default(1),
  /** Most calls of a plan (each turn draws its length up to this). @default 8 */
  max_plan_length: z.int().min(1).default(8),
};

/** The parsed plan settings of a task. */
export interface StatelessOptions {
  readonly hasNested: boolean;
  readonly separateContext: boolean;
  readonly minPlanLength: number;
  readonly maxPlanLength: number;
  readonly terminationStages: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Reads a task's plan settings.
 * @throws {ConfigError} naming the task file and field: a bad value, no `tools:` block, `min_plan_length` above `max_plan_length`
 */
export function statelessOptions(task: BuilderTask): StatelessOptions {
  const field = (name: string): string => (task.fieldPrefix ? `${task.fieldPrefix}.${name}` : name);
  const parsed = z.object(statelessTaskFields).safeParse(task.spec);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, task.file, { fieldPrefix: task.fieldPrefix });
  const spec = parsed.data;
  if (spec.tools === undefined) throw new ConfigError('the task needs a `tools:` block (registry, engines) for the tools its conversations use', { file: task.file, field: field('tools') });
  if (spec.min_plan_length > spec.max_plan_length) {
    throw new ConfigError(`min_plan_length (${spec.min_plan_length}) must be at most max_plan_length (${spec.max_plan_length})`, { file: task.file, field: field('min_plan_length') });
  }
  return {
    hasNested: spec.has_nested,
    separateContext: spec.separate_context,
    minPlanLength: spec.min_plan_length,
    maxPlanLength: spec.max_plan_length,
    terminationStages: spec.termination_stages,
  };
}
