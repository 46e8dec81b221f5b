import type { RiskPolicy } from './load-risk-policy.ts';

/** The `risk_policy` input of the `validators/granite_guardian` block for a task's risk. */
export interface GuardianRiskPolicy {
  /** Granite Guardian 3.3's custom criteria: the risk's description, then what a reply must not contain. */
  readonly custom_criteria: string;
  /** The same text for Granite Guardian 3.2, which the block sends as the risk's definition. */
  readonly risk_name: string;
}

/**
 * What Granite Guardian checks requests and refusals against (DGT's `_build_guardian_risk_policy`): the risk's
 * description (its name when the file gives none), followed by the policy's `reply_cannot_contain` items as a list.
 * DGT sends `custom_criteria` only, which Guardian 3.2 cannot take; the same text also goes as `risk_name`, so a
 * `model_version: "3.2"` block works too.
 *
 * ## Example
 * ```ts
 * guardianRiskPolicy({ ...policy, risk: 'card_fraud', risk_description: 'Requests to misuse payment cards', reply_cannot_contain: ['card numbers'] });
 * // { custom_criteria: 'Requests to misuse payment cards\n\nIt is unsafe when it includes any of the following:\n- card numbers', risk_name: ... }
 * ```
 */
export function guardianRiskPolicy(policy: RiskPolicy): GuardianRiskPolicy {
  const description = policy.risk_description.trim() === '' ? policy.risk : policy.risk_description;
  const constraints = policy.reply_cannot_contain.map((item) => `- ${item}`).join('\n');
  const criteria = constraints === '' ? description : `${description}\n\nIt is unsafe when it includes any of the following:\n${constraints}`;
  return { custom_criteria: criteria, risk_name: criteria };
}
