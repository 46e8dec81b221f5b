import { describe, expect, test } from 'vitest';
import { extractContext, readRating, splitQuestions } from '../../../builders/instructlab-skills/skills-text.ts';

describe('skills answer readers', () => {
  test('splitQuestions splits on numbered headings and drops empty parts', () => {
    expect(splitQuestions('### Question 1: Why?\n\n### Question 2:  How? \n### Question 3:')).toEqual(['Why?', 'How?']);
    expect(splitQuestions('Just one loose line')).toEqual(['Just one loose line']);
    expect(splitQuestions('  ')).toEqual([]);
  });

  test('extractContext takes the first marked context, or nothing', () => {
    expect(extractContext('x [Start of Context]\n A memo.\n[End of Context] [Start of Context]B[End of Context]')).toBe('A memo.');
    expect(extractContext('[Start of Context] never closed')).toBeUndefined();
    expect(extractContext('no markers')).toBeUndefined();
  });

  test('readRating needs the word Rating and a bracketed number', () => {
    expect(readRating('Good.\nRating: [[3]]')).toBe(3);
    expect(readRating('Rating: [0.5]')).toBe(0.5);
    expect(readRating('[[1]] but no label')).toBe(-1);
    expect(readRating('Rating: excellent')).toBe(-1);
  });
});
