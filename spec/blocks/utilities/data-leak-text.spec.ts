import { describe, expect, it } from 'vitest';
import { fixText, normalizeSentence, splitSentences } from '../../../lib/blocks/utilities/data-leak-text.ts';

describe('splitSentences', () => {
  it('ends sentences at periods, question and exclamation marks, closing quotes included', () => {
    expect(splitSentences('One here. Two? Three! "Four." Five')).toEqual(['One here.', 'Two?', 'Three!', '"Four."', 'Five']);
  });

  it('keeps abbreviations, initials and numbers followed by a lowercase word inside the sentence', () => {
    expect(splitSentences('Dr. Smith met J. Doe, e.g. at St. Mary at 5 p.m. today. Item 3. was next.')).toEqual([
      'Dr. Smith met J. Doe, e.g. at St. Mary at 5 p.m. today.',
      'Item 3. was next.',
    ]);
    expect(splitSentences('Write to jo.doe@mail.com or 10.0.0.1 now. J.D. Salinger wrote it.')).toEqual(['Write to jo.doe@mail.com or 10.0.0.1 now.', 'J.D. Salinger wrote it.']);
  });

  it('starts a sentence after a.m., p.m., etc. before a capitalized word that is not an acronym', () => {
    expect(splitSentences('We left at 9 a.m. The bus was late.')).toEqual(['We left at 9 a.m.', 'The bus was late.']);
    expect(splitSentences('Apples, pears etc. NASA knows.')).toEqual(['Apples, pears etc. NASA knows.']);
  });

  it('collapses ellipses, splits hyphenated words, and drops empty sentences', () => {
    expect(splitSentences('Wait... The well-known end.  ')).toEqual(['Wait.', 'The well known end.']);
    expect(splitSentences('   ')).toEqual([]);
  });
});

describe('normalizeSentence', () => {
  it('lowercases, turns punctuation into spaces, and keeps clock times, hyphens and slashes', () => {
    expect(normalizeSentence('Meet me at 10:30, "OK"?')).toBe('meet me at 10:30 ok');
    expect(normalizeSentence("It's 2024-01-02T03:04:05Z (UTC) and/or x-ray;\tdone.")).toBe('it s 2024-01-02t03:04:05z utc and/or x-ray done');
  });
});

describe('fixText', () => {
  it('straightens curly quotes and composes accents', () => {
    expect(fixText('don’t “say”')).toBe('don\'t "say"');
    expect(fixText('cafe\u0301')).toBe('café');
  });
});
