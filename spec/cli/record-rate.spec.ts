import { describe, expect, it } from 'vitest';
import { RecordRate } from '../../lib/cli/record-rate.ts';

describe('RecordRate', () => {
  it('is not known before any reading, nor with no time passed', () => {
    const rate = new RecordRate(10_000);
    expect(rate.started).toBe(false);
    expect(rate.perSecond(0)).toBeUndefined();
    rate.add(5_000, 3);
    expect(rate.started).toBe(true);
    expect(rate.perSecond(5_000)).toBeUndefined();
  });

  it('counts the records since the first reading while the task is younger than the window', () => {
    const rate = new RecordRate(10_000);
    rate.add(0, 0);
    rate.add(2_000, 8);
    expect(rate.perSecond(2_000)).toBe(4);
    // Nothing new: the rate falls as time passes.
    expect(rate.perSecond(4_000)).toBe(2);
  });

  it('counts only the records of the last window, and falls to 0 once the window passed the last record', () => {
    const rate = new RecordRate(10_000);
    rate.add(0, 100); // restored records: not made in this window
    rate.add(5_000, 150);
    rate.add(15_000, 170);
    // Window 5 s .. 15 s: 150 -> 170.
    expect(rate.perSecond(15_000)).toBe(2);
    // Window 20 s .. 30 s: nothing made.
    expect(rate.perSecond(30_000)).toBe(0);
  });

  it('keeps the count at the window start however many readings came before', () => {
    const rate = new RecordRate(1_000);
    for (let at = 0; at <= 10_000; at += 100) rate.add(at, at / 100);
    // 10 records a second throughout.
    expect(rate.perSecond(10_000)).toBe(10);
  });

  it('reads as many counts in one millisecond as the last of them, but for the first reading', () => {
    const many = new RecordRate(1_000);
    const few = new RecordRate(1_000);
    many.add(0, 0);
    many.add(0, 5);
    few.add(0, 0);
    few.add(0, 5);
    for (let at = 100; at <= 3_000; at += 100) {
      for (let count = 1; count <= 10; count += 1) many.add(at, 5 + at / 10 - 10 + count);
      few.add(at, 5 + at / 10);
    }
    for (const now of [0, 50, 100, 550, 1_000, 1_050, 2_999, 3_000, 3_500, 5_000]) expect(many.perSecond(now)).toBe(few.perSecond(now));
    // Young: counted from the first reading (0 records at 0 ms), not from the last count read in its millisecond.
    const young = new RecordRate(10_000);
    young.add(0, 0);
    young.add(0, 5);
    young.add(500, 55);
    expect(young.perSecond(500)).toBe(110);
  });
});
