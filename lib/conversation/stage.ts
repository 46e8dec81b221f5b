import type { Observable } from 'rxjs';
import type { z } from 'zod';
import type { BuilderTask, ResolvedBlocks } from '../builder-registry.ts';
import type { ConfigError } from '../errors/config-error.ts';
import type { Engine } from '../model/engine.ts';
import type { Usage } from '../record.ts';
import type { Conversation } from './conversation.ts';

/*
 * How to add a stage (DGT's `@register_stage`):
 *  1. In your builder's folder, write `stages/<name>.ts` exporting `defineStage({ name, config, create })`.
 *  2. `name` is what task files write (`lm/user/guided`); `config` is the zod shape of the stage's own fields
 *     (everything but `name` and `blocks`, which every stage takes); it is checked strictly: an unknown field is a
 *     ConfigError naming the task file and `iteration_stages.<i>.<field>`.
 *  3. `create(setup)` runs once per task: read `setup.config`, get LM blocks with `setup.engine('generator')`
 *     (honours `blocks: { generator: other }` and `generator: other` in the task), load files, and throw
 *     `setup.configError(message, field)` for bad values. It returns the Stage function.
 *  4. The Stage gets one conversation and its context, and returns an Observable that emits the next
 *     conversation (`appendStep(conversation, makeStep(...))`), several (a fork), or `dropConversation(code,
 *     reason)`. Never mutate the conversation; never keep state outside it: draw with `context.random`.
 *  5. Call models with `askModel(engine, request, context)` (usage counted, cancellable); an LM call that fails
 *     ends as a drop (`lm_call_failed`) for you; a garbled answer is yours to drop with a clear reason.
 *  6. Export it from the builder's stage list and register it: `stageRegistry([...coreStages, myStage])`, then
 *     `conversationBuilder({ registry, blocks, task })` in the builder definition's `create`.
 *  7. Test it alone: `myStage.create(setup)(conversation, context)` with a `FakeLanguageModel` engine.
 */

/** A stage's verdict that the conversation cannot go on, with why (a rejected record's issue when nothing is rescued). */
export interface StageDrop {
  readonly kind: 'drop';
  /** snake_case (`empty_answer`, `no_eligible_pattern`, `lm_call_failed`). */
  readonly code: string;
  readonly reason: string;
}

/** What a stage emits: the next conversation, or a drop. */
export type StageOutput = Conversation | StageDrop;

/** What a stage sees besides the conversation, for one conversation's run. */
export interface StageContext {
  /** The task's seed examples of this input, as conversations: in-context examples for stages that show some. */
  readonly examples: readonly Conversation[];
  /** Draws in [0, 1), seeded by the input, so a seeded run repeats them. */
  readonly random: () => number;
  /** The turn being made, from 1; 0 while the initialization stages run. */
  readonly turn: number;
  /** Adds an LM call's usage to the conversation's record (`askModel` does it). */
  spend(usage: Usage): void;
}

/** One stage of a conversation pipeline: the conversation in, the next conversation(s) or a drop out. */
export type Stage = (conversation: Conversation, context: StageContext) => Observable<StageOutput>;

/** What a stage's `create` gets: its parsed config and the task's blocks. */
export interface StageSetup<Config> {
  /** The stage's registered name (`lm/flow_controller`). */
  readonly name: string;
  readonly config: Config;
  readonly blocks: ResolvedBlocks;
  readonly task: BuilderTask;
  /** Where the stage sits in the task file (`iteration_stages.0`), for errors. */
  readonly field: string;
  /** The task's `max_turns` and `min_turns`. */
  readonly maxTurns: number;
  readonly minTurns: number;
  /**
   * The LM block a stage argument names: `blocks.<argument>` of the stage config, else the stage's `<argument>`
   * field, else the builder's block named `<argument>`. @default argument 'generator'
   * @throws {ConfigError} naming the task file and field when no such LM block exists
   */
  engine(argument?: string): Engine;
  /** A ConfigError naming the task file and `<field>.<subfield>` (or the stage itself). */
  configError(message: string, subfield?: string): ConfigError;
}

/** A stage type: its name, the zod shape of its config fields, and how to make the stage for a task. */
export interface StageDefinition<Shape extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  readonly config: Shape;
  create(setup: StageSetup<z.output<z.ZodObject<Shape>>>): Stage;
}

/**
 * Declares a stage type, inferring its config type from the shape.
 *
 * ## Example
 * ```ts
 * import { map } from 'rxjs';
 * import { z } from 'zod';
 * import { appendStep, askModel, defineStage, dropConversation, makeStep } from 'rxdgt';
 * export const shout = defineStage({
 *   name: 'lm/shout',
 *   config: { generator: z.string().optional(), volume: z.int().min(1).default(3) },
 *   create: ({ name, config, engine }) => {
 *     const model = engine('generator');
 *     return (conversation, context) =>
 *       askModel(model, { method: 'chat', messages: [{ role: 'user', content: `Shout ${config.volume} words.` }] }, context).pipe(
 *         map((text) => (text ? appendStep(conversation, makeStep('user', { content: text, stage_name: name })) : dropConversation('empty_answer', 'the model said nothing'))),
 *       );
 *   },
 * });
 * ```
 */
export function defineStage<Shape extends z.ZodRawShape>(definition: StageDefinition<Shape>): StageDefinition<Shape> {
  return definition;
}

/** A drop with its code and reason. */
export function dropConversation(code: string, reason: string): StageDrop {
  return { kind: 'drop', code, reason };
}

/** Whether a stage output is a drop. */
export function isDrop(output: StageOutput): output is StageDrop {
  return (output as { kind?: unknown }).kind === 'drop' && !Array.isArray((output as { steps?: unknown }).steps);
}
