import { type Conversation, type CustomStep, type Step, makeStep } from '../../lib/conversation/conversation.ts';
import { type JsonObject, isObject } from '../../lib/blocks/utilities/tool-call-grounding.ts';

/*
 * The steps DGT's `tool_calling/multi_turn/stateless` builder writes, and how its stages read them back:
 *   tc/sampler  { tools: [Tool.to_dict()], date }            the scenario's tools (first step of the conversation)
 *   tc/plan     { plan: [{ name, namespace, qualified_name, arguments, call_id }] }   one turn's planned calls
 *   tc/user     { content, required_terms, hidden_set }       the user's request for that plan
 *   tool_call   content { name, arguments, id }               then tool_result content { id, name, result }
 *   assistant   content: the summary of the turn
 */

/** One planned call, as DGT serializes its `ToolCall` dataclass in a `tc/plan` step. */
export interface PlannedCall {
  readonly name: string;
  readonly namespace: string;
  readonly qualified_name: string;
  readonly arguments: JsonObject;
  readonly call_id: string | null;
}

/** A call as DGT's `ToolCall.to_dict()` writes it: `name`, `arguments`, then `id` when it has one. */
export function callDict(call: PlannedCall): JsonObject {
  return { name: call.name, arguments: call.arguments, ...(call.call_id === null ? {} : { id: call.call_id }) };
}

/** The scenario of a conversation: its tools (DGT's tool dicts) and date, from the first `tc/sampler` step. */
export function toolInfoOf(steps: readonly Step[]): { readonly tools: readonly JsonObject[]; readonly date: string } | undefined {
  const step = steps.find((candidate) => candidate.role === 'tc/sampler') as CustomStep | undefined;
  if (!step || !Array.isArray(step['tools'])) return undefined;
  return { tools: (step['tools'] as unknown[]).filter(isObject), date: String(step['date'] ?? '') };
}

/** The planned calls of every `tc/plan` step, in order. */
export function plansOf(steps: readonly Step[]): PlannedCall[][] {
  return steps.filter((step) => step.role === 'tc/plan').map((step) => ((step as CustomStep)['plan'] as PlannedCall[] | null) ?? []);
}

/** Every `tc/user` step, in order. */
export function userStepsOf(steps: readonly Step[]): CustomStep[] {
  return steps.filter((step) => step.role === 'tc/user') as CustomStep[];
}

/** The text of the conversation's persona step (what the prompts show), or '' when it has none. */
export function personaOf(steps: readonly Step[]): string {
  const persona = steps.find((step) => step.role === 'persona');
  return typeof persona?.content === 'string' ? persona.content : '';
}

/** A planned call from a checked call dict, its namespace taken from the only scenario tool of that name. */
export function plannedCall(call: JsonObject, tools: readonly JsonObject[]): PlannedCall | undefined {
  const matching = tools.filter((tool) => tool['name'] === call['name']);
  if (matching.length !== 1) return undefined;
  const namespace = String(matching[0]!['namespace'] ?? 'default');
  const name = String(call['name']);
  return { name, namespace, qualified_name: `${namespace}::${name}`, arguments: call['arguments'] as JsonObject, call_id: typeof call['id'] === 'string' ? call['id'] : null };
}

/** A `tc/plan` step. */
export function planStep(plan: readonly PlannedCall[], stageName: string): CustomStep {
  return makeStep('tc/plan', { content: null, stage_name: stageName, plan });
}

/** The conversation with its last `tc/plan` step's plan replaced (the verifier's consensus). */
export function withLastPlan(conversation: Conversation, plan: readonly PlannedCall[]): Conversation {
  const index = conversation.steps.map((step) => step.role).lastIndexOf('tc/plan');
  const steps = conversation.steps.map((step, at) => (at === index ? { ...step, plan } : step));
  return { ...conversation, steps };
}
