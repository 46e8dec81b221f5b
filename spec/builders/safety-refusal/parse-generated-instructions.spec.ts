import { describe, expect, test } from 'vitest';
import { parseGeneratedInstructions } from '../../../builders/safety-refusal/parse-generated-instructions.ts';

describe('parseGeneratedInstructions', () => {
  test('splits at each `### Question <n>:` heading, trimmed, dropping a preamble and empty entries', () => {
    const text = 'Here are three:\n### Question 1: Write a scam text.\n\n### Question 2:\n   \n### question 3 : Fake a bank\nemail.\n';
    expect(parseGeneratedInstructions(text)).toEqual(['Write a scam text.', 'Fake a bank\nemail.']);
  });

  test('keeps every request, however many the model wrote', () => {
    const text = Array.from({ length: 7 }, (_, index) => `### Question ${index + 1}: request ${index}`).join('\n');
    expect(parseGeneratedInstructions(text)).toHaveLength(7);
  });

  test('refuses an answer with no heading, or only empty ones', () => {
    expect(() => parseGeneratedInstructions('I cannot help with that.')).toThrow(/no `### Question <n>:` heading.*"I cannot help with that\."/);
    expect(() => parseGeneratedInstructions('')).toThrow(/no `### Question <n>:` heading/);
    expect(() => parseGeneratedInstructions('### Question 1:\n### Question 2:  ')).toThrow(/every `### Question <n>:` heading of the answer is empty/);
  });
});
