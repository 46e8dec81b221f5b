import { describe, expect, test } from 'vitest';
import { type FlowPattern, parseEligibility, parseHint } from '../../../builders/conversation/stages/lm-flow-controller.ts';
import { renderPersona } from '../../../builders/conversation/stages/render-persona.ts';
import { scenarioMessages } from '../../../builders/conversation/stages/lm-scenario.ts';
import { userMessages } from '../../../builders/conversation/stages/lm-user-guided.ts';
import { assistantMessages } from '../../../builders/conversation/stages/lm-assistant-naive.ts';
import { appendStep, createConversation, makeStep } from '../../../lib/conversation/conversation.ts';

const patterns: FlowPattern[] = ['a', 'b', 'c'].map((name) => ({ name, description: name, hint: null, weight: 1 }));
const calm = { openness: 0, conscientiousness: 0, extraversion: 0, agreeableness: 0, neuroticism: 0 };

describe('flow controller answers', () => {
  test('eligibility: listed known patterns in pattern order; unknown names dropped; not JSON makes all eligible', () => {
    expect(parseEligibility('{"reasoning": " r ", "eligible_patterns": ["c", "zzz", "a"]}', patterns)).toEqual({ eligible: ['a', 'c'], reasoning: 'r' });
    expect(parseEligibility('```json\n{"reasoning": "", "eligible_patterns": ["b"]}\n```', patterns)).toEqual({ eligible: ['b'], reasoning: null });
    expect(parseEligibility('I think a or b', patterns)).toEqual({ eligible: ['a', 'b', 'c'], reasoning: null });
    expect(parseEligibility('["a"]', patterns)).toEqual({ eligible: ['a', 'b', 'c'], reasoning: null });
    expect(parseEligibility('{"reasoning": "none"}', patterns)).toEqual({ eligible: [], reasoning: 'none' });
  });

  test('hint: the JSON field, else the raw text, else nothing', () => {
    expect(parseHint('{"hint": " Ask why. "}')).toBe('Ask why.');
    expect(parseHint('Ask about prices')).toBe('Ask about prices');
    expect(parseHint('{"other": 1}')).toBeNull();
    expect(parseHint('  ')).toBeNull();
  });
});

describe('stage prompts', () => {
  test('renderPersona: DGT layout, a style override winning over the personality', () => {
    const persona = { persona_role: 'nurse', expertise: 'expert', domain: 'health', goals: ['rest', 'read'], style_override: null, personality: { ...calm, extraversion: 0.8, agreeableness: -0.5, neuroticism: 0.4 } };
    expect(renderPersona(persona)).toBe('Role: nurse. Expertise: expert. Domain: health. Goals: rest; read. Personality: outgoing and talkative, doubtful and quick to push back, nervous and easily frustrated.');
    expect(renderPersona({ ...persona, goals: [], style_override: 'terse' })).toBe('Role: nurse. Expertise: expert. Domain: health. Style: terse.');
  });

  test('scenario, user and assistant requests', () => {
    const seed = appendStep(createConversation('t', 's'), makeStep('scenario', { content: 'A fisher.' }));
    expect(scenarioMessages([seed, createConversation('t', 'empty')])[0]!.content).toContain('\n- A fisher.\n');
    const conversation = appendStep(
      seed,
      makeStep('persona', { content: '', persona_role: 'fisher', personality: calm }),
      makeStep('flow_controller', { content: 'p', hint: 'Ask about bait.' }),
      makeStep('user', { content: 'Hello' }),
      makeStep('assistant', { content: 'Hi!' }),
    );
    const user = userMessages(conversation);
    expect(user[0]!.content).toContain('The situation:\nA fisher.');
    expect(user[0]!.content).toContain('Who you are:\nRole: fisher.');
    expect(user[0]!.content).toContain('What your next message should do: Ask about bait.');
    expect(user.slice(1, 3)).toEqual([{ role: 'assistant', content: 'Hello' }, { role: 'user', content: 'Hi!' }]);
    expect(assistantMessages(conversation).map((message) => message.role)).toEqual(['system', 'user', 'assistant']);
  });
});
