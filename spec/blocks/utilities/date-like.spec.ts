import { describe, expect, it } from 'vitest';
import { isDateLike } from '../../../lib/blocks/utilities/date-like.ts';

describe('isDateLike', () => {
  it('accepts ISO dates and times, named months and weekdays, and clock times', () => {
    for (const value of ['2024-03-05', '2024-03-05T10:30:00Z', '2024-03-05 10:30', 'March 5th, 2024', '5 Mar 2024', 'Tuesday', 'next: Tue 10:30 pm'.slice(6), '10:30 pm', '03/05/2024', '20240305']) {
      expect(isDateLike(value), value).toBe(true);
    }
  });

  it('refuses other words, long texts and values that are not strings', () => {
    for (const value of ['Paris', 'tomorrow', 'the 5th street', '1 2 3 4', '', ' ', `${'2024 '.repeat(12)}`, 2024, null]) {
      expect(isDateLike(value), String(value)).toBe(false);
    }
  });
});
