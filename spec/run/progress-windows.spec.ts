import { describe, expect, test } from 'vitest';
import { type ProgressWindow, type WindowInput, type WindowReadings, advanceWindows, openWindows, windowKey } from '../../lib/run/progress-windows.ts';

const acceptance: ProgressWindow = { kind: 'acceptance', size: 4 };
const score: ProgressWindow = { kind: 'score', field: 'judge.score', size: 3 };
const made: WindowInput = { made: true, lostToFailure: false, records: [] };
const none: WindowInput = { made: false, lostToFailure: false, records: [] };
const scored = (...scores: unknown[]): WindowInput => ({ made: true, lostToFailure: false, records: scores.map((value) => ({ judge: { score: value } })) });

function advance(readings: WindowReadings | undefined, inputs: readonly WindowInput[]): WindowReadings | undefined {
  return inputs.reduce((current, input) => advanceWindows(current, input), readings);
}

describe('progress windows', () => {
  test('keys name the kind, the size and the field', () => {
    expect(windowKey(acceptance)).toBe('acceptance:4');
    expect(windowKey(score)).toBe('score:3:judge.score');
  });

  test('no window, no readings; one reading per distinct window', () => {
    expect(openWindows([])).toBeUndefined();
    expect(advanceWindows(undefined, made)).toBeUndefined();
    expect(openWindows([acceptance, score, { ...acceptance }])).toEqual({
      'acceptance:4': { count: 0, sum: 0, total: 0, skipped: 0 },
      'score:3:judge.score': { count: 0, sum: 0, total: 0, skipped: 0 },
    });
  });

  test('an acceptance window holds the last `size` inputs; inputs lost to a failed LM call are left out', () => {
    const readings = advance(openWindows([acceptance]), [made, none, made, { made: false, lostToFailure: true, records: [] }, made, none, none]);
    // Inputs in: made, none, made, made, none, none: two of the last four made a record.
    expect(readings?.['acceptance:4']).toEqual({ count: 4, sum: 2, total: 6, skipped: 1 });
  });

  test('a score window holds the numbers at its field of the last `size` records; others are skipped', () => {
    const readings = advance(openWindows([score]), [scored(5, 4), scored('3', 'high'), scored(undefined), { made: true, lostToFailure: false, records: [{ judge: 'flat' }, 2] }, scored(1)]);
    expect(readings?.['score:3:judge.score']).toEqual({ count: 3, sum: 4 + 3 + 1, total: 4, skipped: 4 });
  });

  test('a reading is a snapshot: later inputs do not change it', () => {
    const first = advance(openWindows([acceptance]), [made, made]);
    const later = advance(first, [none, none, none, none]);
    expect(first?.['acceptance:4']).toEqual({ count: 2, sum: 2, total: 2, skipped: 0 });
    expect(later?.['acceptance:4']).toEqual({ count: 4, sum: 0, total: 6, skipped: 0 });
  });

  test('a chain advances from its latest reading only', () => {
    const start = openWindows([acceptance]);
    advanceWindows(start, made);
    expect(() => advanceWindows(start, made)).toThrow('a task progress was advanced twice from one reading');
  });

  test('a long run keeps exact sums over the window, whatever its length', () => {
    const window: ProgressWindow = { kind: 'score', field: 'judge.score', size: 7 };
    let readings = openWindows([window]);
    const values = Array.from({ length: 100_003 }, (_, index) => ((index * 37) % 11) / 10);
    for (const value of values) readings = advanceWindows(readings, scored(value));
    const expected = values.slice(-7).reduce((sum, value) => sum + value, 0);
    const reading = readings?.['score:7:judge.score'];
    expect(reading?.count).toBe(7);
    expect(reading?.total).toBe(100_003);
    expect(reading?.sum).toBeCloseTo(expected, 9);
  });
});
