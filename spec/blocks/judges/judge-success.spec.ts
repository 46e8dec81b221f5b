import { describe, expect, test } from 'vitest';
import { type JudgeSuccessRule, readJudgeAnswer, successSchema } from '../../../lib/blocks/judges/judge-success.ts';

const rule = (given: Record<string, unknown>) => successSchema.parse(given) as JudgeSuccessRule;

describe('readJudgeAnswer', () => {
  test('equals compares the trimmed answer, case ignored unless ignore_case is false', () => {
    expect(readJudgeAnswer(rule({ equals: 'yes' }), '  YES \n', {})).toEqual({ valid: true });
    expect(readJudgeAnswer(rule({ equals: 'yes', ignore_case: false }), 'YES', {})).toMatchObject({ valid: false, code: 'judge_rejected' });
  });

  test('a JSON field may be a number or a boolean, compared by its text or scored', () => {
    expect(readJudgeAnswer(rule({ field: 'ok', equals: true }), '{"ok": true}', {})).toEqual({ valid: true });
    expect(readJudgeAnswer(rule({ field: 'scores[1]', min: 3, max: 5 }), 'Here: {"scores": [1, 4]}', {})).toEqual({ valid: true, score: 4 });
    expect(readJudgeAnswer(rule({ field: 'score', max: 3 }), '{"score": "4"}', {})).toMatchObject({ valid: false, code: 'judge_rejected', reason: 'the judge scored 4, which is not at most 3', score: 4 });
    expect(readJudgeAnswer(rule({ field: 'score', min: 3 }), '{"score": "high"}', {})).toMatchObject({ valid: false, code: 'judge_unparseable', reason: 'the judge\'s score is not a number: "high"' });
  });

  test('min/max alone read the whole answer as the score', () => {
    expect(readJudgeAnswer(rule({ min: 4 }), ' 5 ', {})).toEqual({ valid: true, score: 5 });
    expect(readJudgeAnswer(rule({ min: 4 }), 'five', {})).toMatchObject({ valid: false, code: 'judge_unparseable' });
  });

  test('a success function may return { valid, reason, score }, and sees the block inputs', () => {
    const success = (answer: string, input: Record<string, unknown>) => ({ valid: answer === input['expected'], reason: 'not the expected answer', score: 1 });
    expect(readJudgeAnswer(success, 'A', { expected: 'A' })).toMatchObject({ valid: true, score: 1 });
    expect(readJudgeAnswer(success, 'B', { expected: 'A' })).toMatchObject({ valid: false, code: 'judge_rejected', reason: 'not the expected answer' });
  });

  test('a success function returning anything else makes the answer unparseable, saying what it returned', () => {
    expect(readJudgeAnswer((() => 'yes') as never, 'A', {})).toMatchObject({ valid: false, code: 'judge_unparseable', reason: expect.stringContaining('must return a boolean') });
  });

  test('a rule needs exactly one test', () => {
    expect(successSchema.safeParse({}).success).toBe(false);
    expect(successSchema.safeParse({ equals: 'a', min: 1 }).success).toBe(false);
    expect(successSchema.safeParse({ pattern: 'x: (\\d)', min: 1 }).success).toBe(true);
  });
});
