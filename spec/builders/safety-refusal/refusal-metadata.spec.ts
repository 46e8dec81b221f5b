import { describe, expect, test } from 'vitest';
import type { RiskPolicy } from '../../../builders/safety-refusal/load-risk-policy.ts';
import { refusalMetadata } from '../../../builders/safety-refusal/refusal-metadata.ts';

describe('refusalMetadata', () => {
  test("DGT's metadata keys, in order, with the mode; the prompt-only lists are left out", () => {
    const policy: RiskPolicy = {
      risk: 'card_fraud',
      risk_description: 'Requests to misuse payment cards',
      risk_group: 'fraud',
      risk_group_id: 7,
      risk_id: 7.1,
      reason_denial: 'CARD_FRAUD',
      short_reply_type: 'EXPLICIT_REFUSAL',
      exception: 'NONE',
      policy_version: 'v1.0',
      reply_cannot_contain: ['card numbers'],
      reply_may_contain: [],
    };
    const metadata = refusalMetadata(policy, 'response');
    expect(Object.keys(metadata)).toEqual(['risk', 'risk_description', 'risk_group', 'risk_group_id', 'risk_id', 'reason_denial', 'short_reply_type', 'exception', 'policy_version', 'mode']);
    expect(metadata).toMatchObject({ risk: 'card_fraud', risk_id: 7.1, policy_version: 'v1.0', mode: 'response' });
    expect(refusalMetadata(policy, 'instruction').mode).toBe('instruction');
  });
});
