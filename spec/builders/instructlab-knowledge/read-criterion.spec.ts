import { describe, expect, test } from 'vitest';
import { readCriterion } from '../../../builders/instructlab-knowledge/read-criterion.ts';

describe('readCriterion', () => {
  test('faithfulness passes on "Answer: yes" (bold or plain, any case), fails on another word', () => {
    expect(readCriterion('faithfulness', 'It matches.\n**Answer:** Yes')).toEqual({ valid: true });
    expect(readCriterion('faithfulness', 'Answer: yes')).toEqual({ valid: true });
    expect(readCriterion('faithfulness', 'Answer: no')).toMatchObject({ valid: false, code: 'judge_rejected', reason: expect.stringContaining('"no"') });
  });

  test('relevancy passes on 2/2 only; question_verification on rating 1 only', () => {
    expect(readCriterion('relevancy', 'Total Score: 2/2')).toEqual({ valid: true });
    expect(readCriterion('relevancy', 'Total Score: 1/2')).toMatchObject({ code: 'judge_rejected', reason: 'criterion `relevancy`: the judge scored 1/2, not 2/2' });
    expect(readCriterion('question_verification', 'Rating: 1')).toEqual({ valid: true });
    expect(readCriterion('question_verification', 'Rating: 0')).toMatchObject({ code: 'judge_rejected' });
  });

  test('an answer without the verdict line is unparseable, naming the criterion and the line', () => {
    expect(readCriterion('faithfulness', 'I think so.')).toMatchObject({ code: 'judge_unparseable', reason: expect.stringMatching(/^criterion `faithfulness`: no "Answer: yes"/) });
    expect(readCriterion('relevancy', 'Score 2 of 2')).toMatchObject({ code: 'judge_unparseable', reason: expect.stringContaining('Total Score: <n>/2') });
    expect(readCriterion('question_verification', 'Rating:1')).toMatchObject({ code: 'judge_unparseable' });
  });
});
