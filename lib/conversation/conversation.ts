import type { DataPoint } from '../record.ts';

/** What a step holds: text, one structured object (a tool call), or a list of them. */
export type StepContent = string | readonly unknown[] | Readonly<Record<string, unknown>> | null;

/** The fields every step has (DGT's `Step`). */
export interface StepFields {
  /** What the step is: `user`, `assistant`, `tool_call`, `tool_result`, `flow_controller`, `scenario`, `persona`, or a builder's own role. */
  readonly role: string;
  /** Text for natural-language steps, an object for one structured item (a tool call), a list for several. */
  readonly content: StepContent;
  /** The stage that wrote the step (`lm/user/guided`); for tracing only. */
  readonly stage_name: string | null;
  /** Quality scores validator stages write onto the step they checked, by validator name. */
  readonly scores: Readonly<Record<string, number>>;
  /** Anything else a stage wants to keep (raw answers, parse details). */
  readonly metadata: Readonly<Record<string, unknown>>;
}

export interface UserStep extends StepFields {
  readonly role: 'user';
}

export interface AssistantStep extends StepFields {
  readonly role: 'assistant';
}

/** One tool call (content `{ name, arguments, call_id }`); parallel calls are consecutive steps. */
export interface ToolCallStep extends StepFields {
  readonly role: 'tool_call';
}

/** The result of the tool call before it (content `{ call_id, result }` or `{ call_id, error }`). */
export interface ToolResultStep extends StepFields {
  readonly role: 'tool_result';
}

/** The interaction pattern chosen for the turn (its `content`) and whether the conversation ends. */
export interface FlowControllerStep extends StepFields {
  readonly role: 'flow_controller';
  /** The conversation ends after this step (the only step that can end it). */
  readonly terminate: boolean;
  /** Guidance for the user stage of this turn. */
  readonly hint: string | null;
  readonly reasoning: string | null;
  /** The patterns judged possible before one was drawn. */
  readonly eligible_patterns: readonly string[];
}

/** The conversation's scenario, written once while it is set up. */
export interface ScenarioStep extends StepFields {
  readonly role: 'scenario';
  /** Groups conversations grown from one scenario. */
  readonly scenario_family_id: string | null;
}

/** OCEAN personality dimensions, each in [-1, 1]. */
export interface BigFiveProfile {
  readonly openness: number;
  readonly conscientiousness: number;
  readonly extraversion: number;
  readonly agreeableness: number;
  readonly neuroticism: number;
}

/** A participant's persona: `content` is the rendered text the model saw, the other fields its structure. */
export interface PersonaStep extends StepFields {
  readonly role: 'persona';
  readonly target: 'user' | 'assistant';
  readonly persona_role: string | null;
  readonly expertise: string | null;
  readonly domain: string | null;
  readonly goals: readonly string[];
  readonly personality: BigFiveProfile;
  /** Free-text style; wins over the personality when both are set. */
  readonly style_override: string | null;
}

/** A step of a role the framework does not know: the base fields plus whatever the stage wrote. */
export interface CustomStep extends StepFields {
  readonly [field: string]: unknown;
}

/** The typed steps by role. */
export interface StepTypes {
  readonly user: UserStep;
  readonly assistant: AssistantStep;
  readonly tool_call: ToolCallStep;
  readonly tool_result: ToolResultStep;
  readonly flow_controller: FlowControllerStep;
  readonly scenario: ScenarioStep;
  readonly persona: PersonaStep;
}

/** The step type of a role: its typed step, or a {@link CustomStep}. */
export type StepOf<Role extends string> = Role extends keyof StepTypes ? StepTypes[Role] : CustomStep;

/** Any step. Narrow it with {@link isStep}. */
export type Step = StepTypes[keyof StepTypes] | CustomStep;

/** Where a rejected (degraded) branch left its parent conversation, for preference data. */
export interface BranchPoint {
  readonly parent_conversation_id: string;
  readonly branch_turn_index: number;
  readonly degradation_type: string;
  readonly chosen_response: Step;
}

/**
 * The conversation data model of DGT's `core/conversation` builder (its `ConversationDataPoint` and `Step` classes),
 * as immutable plain objects whose JSON is the record DGT writes: a conversation is `task_name`, `is_seed`,
 * `conversation_id`, `steps`, `branch_point`, `outcome_reward`, `outcome_reward_breakdown`, in that order; a step is
 * `role`, `content`, `stage_name`, `scores`, `metadata`, then its role's own fields.
 *
 * Steps are not turns: one stage appends one step, and a turn (user and assistant) spans several (a flow-controller
 * step, a user step, an assistant step, tool calls and results). Stages find what they need by role
 * (`lastStep(steps, 'scenario')`); a role nobody registered is kept as a {@link CustomStep}.
 *
 * ## Example
 * ```ts
 * import { appendStep, createConversation, lastStep, makeStep } from 'rxdgt';
 * const start = createConversation('chit_chat', 'c-1');
 * const next = appendStep(start, makeStep('scenario', { content: 'A hiker plans a trip.', stage_name: 'lm/scenario' }));
 * lastStep(next.steps, 'scenario')?.content; // 'A hiker plans a trip.'
 * start.steps.length; // 0: conversations are never changed in place
 * ```
 */
export interface Conversation extends DataPoint {
  readonly conversation_id: string;
  readonly steps: readonly Step[];
  readonly branch_point: BranchPoint | null;
  readonly outcome_reward: number | null;
  readonly outcome_reward_breakdown: Readonly<Record<string, number>>;
}

/** A blank conversation of a task: no steps yet. */
export function createConversation(taskName: string, conversationId: string): Conversation {
  return { task_name: taskName, is_seed: false, conversation_id: conversationId, steps: [], branch_point: null, outcome_reward: null, outcome_reward_breakdown: {} };
}

/** The fields of a new step: `content` and `stage_name` at least, the role's own fields where they have no default. */
export type StepInput<Role extends string> = Partial<Omit<StepOf<Role>, 'role'>> & Pick<StepFields, 'content'>;

const roleDefaults: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  flow_controller: { terminate: false, hint: null, reasoning: null, eligible_patterns: [] },
  scenario: { scenario_family_id: null },
  persona: { target: 'user', persona_role: null, expertise: null, domain: null, goals: [], personality: undefined, style_override: null },
};

/**
 * A step of `role` with DGT's defaults for what `fields` leaves out, keys in DGT's order. A persona step needs its
 * `personality` (DGT draws the missing dimensions at random: see `personaStep` of the core builder).
 */
export function makeStep<const Role extends string>(role: Role, fields: StepInput<Role>): StepOf<Role> {
  const defaults = roleDefaults[role] ?? {};
  const base = { role, content: null, stage_name: null, scores: {}, metadata: {} };
  const ordered: Record<string, unknown> = { ...base, ...defaults };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) ordered[key] = value;
  return ordered as StepOf<Role>;
}

/** Whether `step` has `role`, narrowing it to that role's type. */
export function isStep<const Role extends string>(step: Step, role: Role): step is Step & StepOf<Role> {
  return step.role === role;
}

/** The conversation with `steps` appended: a new object, the old one unchanged. */
export function appendStep(conversation: Conversation, ...steps: readonly Step[]): Conversation {
  return { ...conversation, steps: [...conversation.steps, ...steps] };
}

/** The last step of `role`, or undefined. */
export function lastStep<const Role extends string>(steps: readonly Step[], role: Role): StepOf<Role> | undefined {
  for (let index = steps.length - 1; index >= 0; index -= 1) {
    const step = steps[index]!;
    if (isStep(step, role)) return step as StepOf<Role>;
  }
  return undefined;
}

/** Every step of `role`, in order. */
export function stepsWithRole<const Role extends string>(steps: readonly Step[], role: Role): StepOf<Role>[] {
  return steps.filter((step) => isStep(step, role)) as StepOf<Role>[];
}
