import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { qaRater, salvageRatings } from '../../builders/qa-rater/index.ts';
import { createEngine } from '../../lib/model/engine.ts';
import { accepted } from '../../lib/outcome.ts';
import { FakeLanguageModel } from '../../lib/testing/fake-language-model.ts';

describe('salvageRatings', () => {
  test.each([
    ['plain JSON', '{"knowledge": "rivers", "difficulty": "hard"}', { knowledge: 'rivers', difficulty: 'hard' }],
    ['fenced JSON', '```json\n{"knowledge": "rivers", "difficulty": "medium"}\n```', { knowledge: 'rivers', difficulty: 'medium' }],
    ['prose around JSON', 'Sure! Here it is: {"knowledge": "capitals", "difficulty": "Very Easy"} Hope it helps.', { knowledge: 'capitals', difficulty: 'very easy' }],
    ['a list of verdicts', '[{"knowledge": "seas", "difficulty": "very hard"}]', { knowledge: 'seas', difficulty: 'very hard' }],
    ['broken JSON', '{"knowledge": "deserts", "difficulty": "easy",', { knowledge: 'deserts', difficulty: 'easy' }],
    ['a label inside a sentence', '{"knowledge": "maps", "difficulty": "it is rather hard I think"}', { knowledge: 'maps', difficulty: 'hard' }],
    ['no JSON at all', 'I would call this one easy.', { knowledge: null, difficulty: 'easy' }],
  ])('%s', (_name, text, expected) => {
    expect(salvageRatings(text)).toEqual(expected);
  });

  test('an answer without any difficulty label is an error', () => {
    expect(() => salvageRatings('{"knowledge": "maps", "difficulty": "unknown"}')).toThrow(/no difficulty/);
    expect(() => salvageRatings('no idea')).toThrow(/no difficulty/);
  });
});

describe('qaRater', () => {
  test('asks about the question and answer and stores the verdict in `ratings`', async () => {
    const model = new FakeLanguageModel({ answers: ['{"knowledge": "capitals", "difficulty": "easy"}', 'garbled'] });
    const rater = createEngine(model, { name: 'rater' });
    const record = { task_name: 'rate', is_seed: true, question: 'Capital of Peru?', answer: 'Lima.' };
    const outcomes = await lastValueFrom(of(accepted('0', record), accepted('1', { ...record, question: 'Capital of Chad?' })).pipe(qaRater({ rater }), toArray()));
    expect(outcomes[0]).toMatchObject({ status: 'accepted', record: { ...record, is_seed: false, ratings: { knowledge: 'capitals', difficulty: 'easy' } } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', issues: [{ code: 'parse_failed', block: 'rater' }] });
    const prompt = model.calls[0]?.method === 'chat' ? model.calls[0].messages[0]!.content : '';
    expect(prompt).toContain('Question: Capital of Peru?');
    expect(prompt).toContain('Answer: Lima.');
  });
});
