import type { RiskPolicy } from './load-risk-policy.ts';

/** The `metadata` of a safety-refusal record: the risk it was made for (without its reply lists), and the step that last kept it. */
export type RefusalMetadata = Omit<RiskPolicy, 'reply_cannot_contain' | 'reply_may_contain'> & {
  /** `instruction` once Guardian rated the request harmful, `response` once it rated the refusal safe. */
  readonly mode: 'instruction' | 'response';
};

/**
 * A record's `metadata` (DGT's `_build_metadata`), with the same keys DGT writes. The `formatters/safety/refusal`
 * formatter drops `mode` from the training example.
 *
 * ## Example
 * ```ts
 * refusalMetadata(policy, 'response');
 * // { risk: 'card_fraud', risk_description: '...', risk_group: 'fraud', risk_group_id: 7, risk_id: 7.1, reason_denial: '...',
 * //   short_reply_type: 'EXPLICIT_REFUSAL', exception: '', policy_version: 'v0.1', mode: 'response' }
 * ```
 */
export function refusalMetadata(policy: RiskPolicy, mode: RefusalMetadata['mode']): RefusalMetadata {
  return {
    risk: policy.risk,
    risk_description: policy.risk_description,
    risk_group: policy.risk_group,
    risk_group_id: policy.risk_group_id,
    risk_id: policy.risk_id,
    reason_denial: policy.reason_denial,
    short_reply_type: policy.short_reply_type,
    exception: policy.exception,
    policy_version: policy.policy_version,
    mode,
  };
}
