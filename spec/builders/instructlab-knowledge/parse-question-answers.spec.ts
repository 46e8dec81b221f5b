import { describe, expect, test } from 'vitest';
import { parseQuestionAnswers } from '../../../builders/instructlab-knowledge/parse-question-answers.ts';

describe('parseQuestionAnswers', () => {
  test('reads every pair, the first continuing the prompt, and strips the markers', () => {
    const text = 'How far is the Moon?\n[Answer]\nAbout 384,400 km.\n[End]\n\n[Question]\nWhat are maria? [/INST]\n[Answer]\nDark lava plains.\n[END]';
    expect(parseQuestionAnswers(text)).toEqual([
      { question: 'How far is the Moon?', answer: 'About 384,400 km.' },
      { question: 'What are maria?', answer: 'Dark lava plains.' },
    ]);
  });

  test('an answer that repeats the opening [Question] still reads', () => {
    expect(parseQuestionAnswers('[Question] Why tides?\n[Answer] Gravity.\n[End]')).toEqual([{ question: 'Why tides?', answer: 'Gravity.' }]);
  });

  test('drops a last pair cut off before [End], but keeps a lone pair without it', () => {
    expect(parseQuestionAnswers('A?\n[Answer]\nYes.\n[End]\n[Question]\nB?\n[Answer]\nHalf an ans')).toEqual([{ question: 'A?', answer: 'Yes.' }]);
    expect(parseQuestionAnswers('A?\n[Answer]\nYes.')).toEqual([{ question: 'A?', answer: 'Yes.' }]);
  });

  test('skips a pair with an empty part or an [End] in its question', () => {
    expect(parseQuestionAnswers('[End] A?\n[Answer]\nX.\n[End]\n[Question]\nB?\n[Answer]\nY.\n[End]')).toEqual([{ question: 'B?', answer: 'Y.' }]);
  });

  test('garbled answers throw, saying what is missing', () => {
    expect(() => parseQuestionAnswers('Sorry, I cannot help with that.')).toThrow(/no `\[Answer\]` marker/);
    expect(() => parseQuestionAnswers('\n[Answer]\n\n[End]')).toThrow(/empty question or answer/);
  });
});
