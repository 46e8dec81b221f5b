import { describe, expect, test } from 'vitest';
import { errorPrefixOf, nullTags, readTaskAnswer } from '../../../lib/blocks/judges/magpie-tag-answers.ts';

const m = (value: unknown) => [{ m: value }];

describe('readTaskAnswer', () => {
  test('reads the first JSON object of the answer, prose and fences around it ignored', () => {
    const answer = 'Here you go:\n```json\n{"explanation": "Clear {and} short.", "input_quality": "good"}\n```\nAnything else? {"input_quality": "poor"}';
    expect(readTaskAnswer('quality', answer, 'm')).toEqual({ tags: { input_quality: m('good'), input_quality_explanation: m('Clear {and} short.') } });
  });

  test('stores each task under its DGT tags', () => {
    expect(readTaskAnswer('sample_quality', '{"score": "5", "explanation": "ok"}', 'm')).toEqual({ tags: { judge_quality_score: m('5'), judge_quality_explanation: m('ok') } });
    expect(readTaskAnswer('difficulty', '{"intent": "i", "knowledge": "k", "difficulty": "hard"}', 'm')).toEqual({ tags: { difficulty: m('hard'), intent: m('i'), knowledge: m('k') } });
    expect(readTaskAnswer('classification', '{"primary_tag": "Math", "other_tags": []}', 'm')).toEqual({ tags: { task_category: m('Math') } });
    expect(readTaskAnswer('conversation_quality', '{"score": 4, "explanation": "e"}', 'm')).toEqual({ tags: { conversation_score: m('4'), conversation_explanation: m('e') } });
  });

  test('brings labels onto the scale: lists, numbers, case, and a scale word or score inside a sentence', () => {
    expect(readTaskAnswer('quality', '{"input_quality": "Very Poor"}', 'm')).toMatchObject({ tags: { input_quality: m('very poor') } });
    expect(readTaskAnswer('quality', '{"input_quality": "I would say very poor overall"}', 'm')).toMatchObject({ tags: { input_quality: m('very poor') } });
    expect(readTaskAnswer('difficulty', '{"difficulty": ["medium", "hard"]}', 'm')).toMatchObject({ tags: { difficulty: m('medium') } });
    expect(readTaskAnswer('sample_quality', '{"score": "4/5"}', 'm')).toMatchObject({ tags: { judge_quality_score: m('4') } });
    expect(readTaskAnswer('sample_quality', '{"score": 3.0}', 'm')).toMatchObject({ tags: { judge_quality_score: m('3') } });
    // As in DGT, a word off the scale is kept, for magpie_filter's invalid_scores check.
    expect(readTaskAnswer('quality', '{"input_quality": "superb"}', 'm')).toMatchObject({ tags: { input_quality: m('superb') } });
  });

  test('salvages the label of broken JSON, keeping the whole answer as the explanation', () => {
    const answer = '{"input_quality": "good", "explanation": "cut off';
    expect(readTaskAnswer('quality', answer, 'm')).toEqual({ tags: { input_quality: m('good'), input_quality_explanation: m(answer) } });
    expect(readTaskAnswer('sample_quality', 'Rating: {"score": [5], oops}', 'm')).toMatchObject({ tags: { judge_quality_score: m('5') } });
  });

  test('an answer with no usable label is an error', () => {
    expect(readTaskAnswer('quality', 'I refuse.', 'm')).toEqual({ error: 'the answer gives no `input_quality` for the quality task' });
    expect(readTaskAnswer('sample_quality', '{"score": "excellent"}', 'm')).toEqual({ error: 'the `score` in the answer is "excellent", not a score from 1 to 5' });
    expect(readTaskAnswer('classification', '{"primary_tag": 3}', 'm')).toEqual({ error: 'the `primary_tag` in the answer is 3, not text' });
  });

  test("names each task's error keys and null tags as DGT does", () => {
    expect(errorPrefixOf('conversation_quality')).toBe('conv_quality');
    expect(nullTags('difficulty')).toEqual({ intent: null, knowledge: null, difficulty: null });
    expect(nullTags('sample_quality')).toEqual({ judge_quality_score: null, judge_quality_explanation: null });
  });
});
