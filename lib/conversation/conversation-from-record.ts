import type { Fields } from '../record.ts';
import { type BigFiveProfile, type Conversation, type Step, createConversation, makeStep } from './conversation.ts';

const dimensions = ['openness', 'conscientiousness', 'extraversion', 'agreeableness', 'neuroticism'] as const;

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A personality from a record's `personality` object: each dimension a number it gives, else a draw in [-1, 1] rounded
 * to one decimal (DGT's `BigFiveProfile` does the same for unset dimensions). Unknown keys are ignored.
 */
export function bigFiveProfile(value: unknown, random: () => number): BigFiveProfile {
  const given = isObject(value) ? value : {};
  const draw = (): number => Math.round((random() * 2 - 1) * 10) / 10;
  const entries = dimensions.map((dimension) => [dimension, typeof given[dimension] === 'number' ? given[dimension] : draw()] as const);
  return Object.fromEntries(entries) as unknown as BigFiveProfile;
}

/** One stored step read back: its role's defaults filled in; a persona's personality completed. */
function stepFromObject(step: Readonly<Record<string, unknown>>, random: () => number): Step {
  const { role, ...fields } = step;
  const content = fields['content'] ?? null;
  if (role === 'persona') return makeStep('persona', { ...fields, content: content as string, personality: bigFiveProfile(fields['personality'], random) });
  return makeStep(String(role), { ...fields, content: content as Step['content'] });
}

/**
 * Reads a conversation record (a seed example, or a record of an earlier run) leniently, as DGT's task does: steps
 * that are not objects with a `role` are skipped, missing step fields take their defaults, a missing
 * `conversation_id` is `fallbackId`. Used to hand seed examples to stages as conversations.
 *
 * ## Example
 * ```ts
 * conversationFromRecord({ task_name: 't', is_seed: true, conversation_id: 's1', steps: [{ role: 'scenario', content: 'A chef.' }] }, Math.random);
 * // { task_name: 't', is_seed: true, conversation_id: 's1', steps: [{ role: 'scenario', content: 'A chef.', stage_name: null,
 * //   scores: {}, metadata: {}, scenario_family_id: null }], branch_point: null, outcome_reward: null, outcome_reward_breakdown: {} }
 * ```
 */
export function conversationFromRecord(record: Fields, random: () => number, fallbackId = ''): Conversation {
  const rawSteps = Array.isArray(record['steps']) ? (record['steps'] as unknown[]) : [];
  const steps = rawSteps.filter((step): step is Readonly<Record<string, unknown>> => isObject(step) && typeof step['role'] === 'string').map((step) => stepFromObject(step, random));
  const id = typeof record['conversation_id'] === 'string' ? record['conversation_id'] : fallbackId;
  const base = createConversation(typeof record['task_name'] === 'string' ? record['task_name'] : '', id);
  return { ...record, ...base, is_seed: record['is_seed'] === true, steps, branch_point: (record['branch_point'] ?? null) as Conversation['branch_point'], outcome_reward: typeof record['outcome_reward'] === 'number' ? record['outcome_reward'] : null, outcome_reward_breakdown: isObject(record['outcome_reward_breakdown']) ? (record['outcome_reward_breakdown'] as Record<string, number>) : {} };
}
