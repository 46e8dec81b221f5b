import type { PersonaStep } from '../../../lib/conversation/conversation.ts';

/**
 * A persona step's fields as the text a prompt shows (and the step's `content`), in DGT's layout: `Role: ...`,
 * `Expertise: ...`, `Domain: ...`, `Goals: a; b.`, then `Style: ...` when there is a style override, else
 * `Personality: ...` from the marked OCEAN dimensions (beyond ±0.3).
 *
 * ## Example
 * ```ts
 * renderPersona({ ...step, persona_role: 'night-shift nurse', goals: ['unwind'], style_override: null, personality: { extraversion: 0.8, ... } });
 * // 'Role: night-shift nurse. Goals: unwind. Personality: outgoing and talkative.'
 * ```
 */
export function renderPersona(step: Pick<PersonaStep, 'persona_role' | 'expertise' | 'domain' | 'goals' | 'style_override' | 'personality'>): string {
  const parts: string[] = [];
  if (step.persona_role) parts.push(`Role: ${step.persona_role}.`);
  if (step.expertise) parts.push(`Expertise: ${step.expertise}.`);
  if (step.domain) parts.push(`Domain: ${step.domain}.`);
  if (step.goals.length > 0) parts.push(`Goals: ${step.goals.join('; ')}.`);
  if (step.style_override) {
    parts.push(`Style: ${step.style_override}.`);
  } else {
    const { extraversion, agreeableness, neuroticism } = step.personality;
    const traits = [
      extraversion > 0.3 ? 'outgoing and talkative' : extraversion < -0.3 ? 'quiet and brief' : undefined,
      agreeableness < -0.3 ? 'doubtful and quick to push back' : agreeableness > 0.3 ? 'easygoing and agreeable' : undefined,
      neuroticism > 0.3 ? 'nervous and easily frustrated' : undefined,
    ].filter((trait) => trait !== undefined);
    if (traits.length > 0) parts.push(`Personality: ${traits.join(', ')}.`);
  }
  return parts.join(' ');
}
