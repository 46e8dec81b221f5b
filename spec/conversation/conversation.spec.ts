import { describe, expect, test } from 'vitest';
import { appendStep, createConversation, isStep, lastStep, makeStep, stepsWithRole } from '../../lib/conversation/conversation.ts';

describe('the conversation data model', () => {
  test('makeStep fills DGT defaults in DGT key order', () => {
    expect(Object.keys(makeStep('flow_controller', { content: 'p', terminate: true }))).toEqual(['role', 'content', 'stage_name', 'scores', 'metadata', 'terminate', 'hint', 'reasoning', 'eligible_patterns']);
    expect(makeStep('scenario', { content: 'S', stage_name: 'lm/scenario' })).toEqual({ role: 'scenario', content: 'S', stage_name: 'lm/scenario', scores: {}, metadata: {}, scenario_family_id: null });
    expect(makeStep('tc/user', { content: 'hi', extra: 1 } as never)).toEqual({ role: 'tc/user', content: 'hi', stage_name: null, scores: {}, metadata: {}, extra: 1 });
  });

  test('appendStep makes a new conversation; queries find steps by role', () => {
    const start = createConversation('t', 'c');
    const next = appendStep(start, makeStep('user', { content: 'a' }), makeStep('flow_controller', { content: 'p' }), makeStep('user', { content: 'b' }));
    expect(start.steps).toEqual([]);
    expect(lastStep(next.steps, 'user')?.content).toBe('b');
    expect(lastStep(next.steps, 'flow_controller')?.terminate).toBe(false);
    expect(lastStep(next.steps, 'scenario')).toBeUndefined();
    expect(stepsWithRole(next.steps, 'user').map((step) => step.content)).toEqual(['a', 'b']);
    expect(next.steps.filter((step) => isStep(step, 'flow_controller'))).toHaveLength(1);
  });
});
