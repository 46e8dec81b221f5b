import { describe, expect, test } from 'vitest';
import { bigFiveProfile, conversationFromRecord } from '../../lib/conversation/conversation-from-record.ts';

describe('conversationFromRecord', () => {
  test('reads a seed leniently: defaults filled, bad steps skipped, personality completed', () => {
    const record = {
      task_name: 't',
      is_seed: true,
      conversation_id: 's1',
      steps: [{ role: 'scenario', content: 'A chef.' }, 'junk', { content: 'no role' }, { role: 'persona', content: 'P', personality: { openness: 0.5 } }],
    };
    const conversation = conversationFromRecord(record, () => 0.75);
    expect(conversation).toMatchObject({ conversation_id: 's1', is_seed: true, branch_point: null, outcome_reward: null, outcome_reward_breakdown: {} });
    expect(conversation.steps.map((step) => step.role)).toEqual(['scenario', 'persona']);
    expect(conversation.steps[1]).toMatchObject({ target: 'user', goals: [], personality: { openness: 0.5, neuroticism: 0.5 } });
    expect(conversationFromRecord({ task_name: 't', is_seed: true }, Math.random, 'fallback')).toMatchObject({ conversation_id: 'fallback', steps: [] });
  });

  test('bigFiveProfile draws missing dimensions in [-1, 1], one decimal', () => {
    expect(bigFiveProfile({ extraversion: 0.9, other: 3 }, () => 0)).toEqual({ openness: -1, conscientiousness: -1, extraversion: 0.9, agreeableness: -1, neuroticism: -1 });
  });
});
