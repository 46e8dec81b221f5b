import { type Observable, defer, from, mergeMap, of, toArray } from 'rxjs';
import { z } from 'zod';
import type { BuilderTask, ResolvedBlocks } from '../builder-registry.ts';
import { zodIssueToConfigError } from '../config/zod-issue.ts';
import { ConfigError } from '../errors/config-error.ts';
import { addUsage, fanOut, rejected } from '../outcome.ts';
import { seededRandom } from '../random.ts';
import type { Accepted, DataPoint, Outcome, Usage } from '../record.ts';
import { type Builder, withConcurrency } from '../run/task-options.ts';
import type { GenerationInput } from '../run/task-inputs.ts';
import { createConversation } from './conversation.ts';
import { drawUuid } from './draw-uuid.ts';
import { conversationFromRecord } from './conversation-from-record.ts';
import { conversationTaskFields } from './conversation-task-fields.ts';
import { type ConversationEnd, type ConversationPlan, type NamedStage, runConversation } from './run-conversation.ts';
import type { StageSetup } from './stage.ts';
import { type StageRegistry, findStage } from './stage-registry.ts';

/** Config of {@link conversationBuilder}. */
export interface ConversationBuilderConfig {
  /** The stage types the task may name. */
  readonly registry: StageRegistry;
  /** The builder's resolved blocks: stages take their LM blocks from here. */
  readonly blocks: ResolvedBlocks;
  /** The task: its `max_turns`, `min_turns`, stage lists, `max_concurrent_conversations` ({@link conversationTaskFields}). */
  readonly task: BuilderTask;
}

/** DGT's builder-level `max_concurrent_conversations` (see `conversationBuilderFields`), when the builder spec sets it. */
function builderSetting(blocks: ResolvedBlocks): number | undefined {
  const value = (blocks.spec as Readonly<Record<string, unknown>>)['max_concurrent_conversations'];
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * The stages of one task list (`initialization_stages`, `iteration_stages`, or a builder's own such as
 * `termination_stages`), each found in the registry, its config checked strictly, its blocks resolved, and created.
 * @throws {ConfigError} naming the task file and `<list>.<i>.<field>`
 */
export function createStages(config: Pick<ConversationBuilderConfig, 'registry' | 'blocks' | 'task'>, list: string, entries: readonly Readonly<Record<string, unknown>>[], turns: { maxTurns: number; minTurns: number }): NamedStage[] {
  const { registry, blocks, task } = config;
  const blockNames = blocks.spec.blocks.map((block) => block.name);
  return entries.map((entry, index) => {
    const field = `${task.fieldPrefix ? `${task.fieldPrefix}.` : ''}${list}.${index}`;
    const definition = findStage(registry, String(entry['name']), { file: task.file, field: `${field}.name` });
    const schema = z.strictObject({ name: z.string(), blocks: z.record(z.string(), z.string().min(1)).optional(), ...definition.config });
    const parsed = schema.safeParse(entry);
    if (!parsed.success) throw zodIssueToConfigError(parsed.error, task.file, { fieldPrefix: field, subject: `stage \`${definition.name}\`` });
    const stageConfig = parsed.data as Readonly<Record<string, unknown>> & { blocks?: Readonly<Record<string, string>> };
    const configError = (message: string, subfield?: string): ConfigError =>
      new ConfigError(`stage \`${definition.name}\`: ${message}`, { file: task.file, field: subfield ? `${field}.${subfield}` : field });
    for (const [argument, name] of Object.entries(stageConfig.blocks ?? {})) {
      if (!blockNames.includes(name)) throw configError(`no block named \`${name}\` in builder \`${blocks.spec.name}\` (its blocks: ${blockNames.join(', ')})`, `blocks.${argument}`);
    }
    const setup: StageSetup<Readonly<Record<string, unknown>>> = {
      name: definition.name,
      config: stageConfig,
      blocks,
      task,
      field,
      ...turns,
      configError,
      engine: (argument = 'generator') => {
        const pointer = stageConfig[argument];
        const mapped = stageConfig.blocks?.[argument];
        const name = mapped ?? (typeof pointer === 'string' ? pointer : argument);
        if (!blockNames.includes(name)) {
          throw configError(`no block named \`${name}\` in builder \`${blocks.spec.name}\` (its blocks: ${blockNames.join(', ')})`, mapped ? `blocks.${argument}` : typeof pointer === 'string' ? argument : undefined);
        }
        return blocks.engine(name);
      },
    };
    return { name: definition.name, run: definition.create(setup as never) };
  });
}

/** The outcomes of one input: its kept conversations (fanned out), or a rejection with every drop's reason. */
function settle(outcome: Accepted<GenerationInput>, ends: readonly ConversationEnd[], usage: Usage | undefined): Outcome<DataPoint>[] {
  const spent: Accepted<GenerationInput> = usage ? { ...outcome, usage } : outcome;
  const kept = ends.flatMap((end) => (end.kind === 'completed' ? [end.conversation] : []));
  if (kept.length > 0) return fanOut(spent, kept, 'conversation');
  const drops = ends.flatMap((end) => (end.kind === 'dropped' ? [end] : []));
  const issues = drops.map((drop) => ({ code: drop.code, message: drop.turn === 0 ? `${drop.reason} (initialization)` : drop.reason, block: drop.stage }));
  const last = drops.at(-1)?.conversation;
  return [rejected(last ? { ...spent, record: last } : spent, issues.length > 0 ? issues : [{ code: 'no_output', message: 'the conversation ended with nothing to keep', block: 'conversation' }])];
}

/**
 * Makes a generation builder that grows one conversation per input through the task's stages (DGT's
 * `core/conversation` machinery, reusable by every conversation builder): each input's seed examples are the
 * stages' in-context examples, its seed the conversation's draws (and its `conversation_id`). At most
 * `max_concurrent_conversations` conversations run at once. A conversation kept is an accepted record (DGT's
 * `ConversationDataPoint`); one dropped is a rejected record whose issues give each drop's stage, code and reason.
 * Unsubscribing cancels every conversation and LM call in flight.
 *
 * ## Example
 * ```ts
 * import { type BuilderDefinition, conversationBuilder, conversationTaskFields, coreConversationStages, stageRegistry } from 'rxdgt';
 * const registry = stageRegistry([...coreConversationStages, myRetrievalStage]);
 * export const myConversation: BuilderDefinition = {
 *   name: 'my/conversation', kind: 'generation', seedless: true, yamlPath: 'my-conversation.yaml', // beside this module
 *   taskFields: conversationTaskFields,
 *   create: (blocks, task) => conversationBuilder({ registry, blocks, task }),
 * };
 * ```
 *
 * @throws {ConfigError} naming the task file and field: a bad task field, `min_turns` above `max_turns`, an unknown
 *   stage (listing the known ones), a bad stage field, a block a stage names that the builder lacks
 */
export function conversationBuilder(config: ConversationBuilderConfig): Builder<GenerationInput> {
  const { task, blocks } = config;
  const parsed = z.object(conversationTaskFields).safeParse(task.spec);
  if (!parsed.success) throw zodIssueToConfigError(parsed.error, task.file, { fieldPrefix: task.fieldPrefix });
  const fields = parsed.data;
  if (fields.min_turns > fields.max_turns) {
    throw new ConfigError(`min_turns (${fields.min_turns}) must be at most max_turns (${fields.max_turns})`, { file: task.file, field: `${task.fieldPrefix ? `${task.fieldPrefix}.` : ''}min_turns` });
  }
  const turns = { maxTurns: fields.max_turns, minTurns: fields.min_turns };
  const plan: ConversationPlan = {
    initialization: createStages(config, 'initialization_stages', fields.initialization_stages, turns),
    iteration: createStages(config, 'iteration_stages', fields.iteration_stages, turns),
    ...turns,
  };
  const concurrency = fields.max_concurrent_conversations ?? builderSetting(blocks) ?? 8;

  const converse = (outcome: Accepted<GenerationInput>): Observable<Outcome<DataPoint>> =>
    defer(() => {
      const input = outcome.record;
      const random = seededRandom(input.seed);
      let usage = outcome.usage;
      const examples = input.examples.map((example, index) => conversationFromRecord(example, random, `seed-${index}`));
      const start = createConversation(input.task_name, drawUuid(random));
      const context = { examples, random, spend: (spent: Usage) => (usage = addUsage(usage, spent)) };
      return runConversation(start, plan, context).pipe(
        toArray(),
        mergeMap((ends) => from(settle(outcome, ends, usage))),
      );
    });

  const builder = (source: Observable<Outcome<GenerationInput>>): Observable<Outcome<DataPoint>> =>
    source.pipe(mergeMap((outcome) => (outcome.status === 'accepted' ? converse(outcome) : of(outcome)), concurrency));
  return withConcurrency(builder, concurrency);
}

