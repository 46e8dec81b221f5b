import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import { type StopCriterion, hasAcceptanceRateBelow, hasFailureRate, hasMeanScoreBelow, isMisconfigured, isRecordCount, windowsOf } from '../../lib/run/stop-criteria.ts';
import { type TaskProgress, advanceProgress, initialProgress } from '../../lib/run/task-progress.ts';
import { rejectedOf } from '../helpers/outcomes.ts';

/** The progress after `outcomes`, keeping the windows `criterion` needs. */
function progressAfter(criterion: StopCriterion, outcomes: readonly Outcome<unknown>[]): TaskProgress {
  return outcomes.reduce((progress, outcome) => advanceProgress(progress, outcome, 0), initialProgress(0, 0, windowsOf([criterion])));
}

const made = (index: number, fields: Record<string, unknown> = {}) => accepted(String(index), { question: `q${index}`, ...fields });
const refused = (index: number) => rejectedOf(index, `q${index}`);
/** `pattern`: `a` accepted, `r` rejected, `f` lost to a failed LM call. */
const outcomesOf = (pattern: string) => [...pattern].map((letter, index) => (letter === 'a' ? made(index) : letter === 'f' ? rejectedOf(index, 'q', 'lm_call_failed') : refused(index)));

describe('hasAcceptanceRateBelow', () => {
  test('holds once `after` inputs settled and the share that made a record over the window is below the rate', () => {
    const criterion = hasAcceptanceRateBelow(0.5, { window: 4, after: 6 });
    expect(criterion.reason).toBe('acceptance_rate');
    expect(criterion.windows).toEqual([{ kind: 'acceptance', size: 4 }]);
    // Five inputs: the window (a r r r) is at 0.25, but `after` holds it off.
    expect(criterion(progressAfter(criterion, outcomesOf('aarrr')))).toBe(false);
    expect(criterion(progressAfter(criterion, outcomesOf('aarrrr')))).toBe(true);
    // Exactly at the rate does not stop; only the last four count.
    expect(criterion(progressAfter(criterion, outcomesOf('rrrraarr')))).toBe(false);
    expect(criterion.describe(progressAfter(criterion, outcomesOf('aarrrr')))).toBe('acceptance rate 0.00 over the last 4 inputs is below 0.5 (0 made a record)');
  });

  test('inputs lost to a failed LM call are not counted', () => {
    const criterion = hasAcceptanceRateBelow(0.5, { window: 4, after: 4 });
    expect(criterion(progressAfter(criterion, outcomesOf('affffa')))).toBe(false);
    expect(criterion(progressAfter(criterion, outcomesOf('affffarr')))).toBe(false);
    expect(criterion(progressAfter(criterion, outcomesOf('affffarrr')))).toBe(true);
  });

  test('defaults: a window of 100 inputs, after 20', () => {
    const criterion = hasAcceptanceRateBelow(0.5);
    expect(criterion.windows).toEqual([{ kind: 'acceptance', size: 100 }]);
    expect(criterion(progressAfter(criterion, outcomesOf('r'.repeat(19))))).toBe(false);
    expect(criterion(progressAfter(criterion, outcomesOf('r'.repeat(20))))).toBe(true);
  });

  test('bad arguments throw a ConfigError at the call', () => {
    expect(() => hasAcceptanceRateBelow(0)).toThrow(ConfigError);
    expect(() => hasAcceptanceRateBelow(1.2)).toThrow('hasAcceptanceRateBelow: invalid config');
    expect(() => hasAcceptanceRateBelow(0.5, { window: 0 })).toThrow('`window`');
    expect(() => hasAcceptanceRateBelow(0.5, { after: 2.5 })).toThrow('`after`');
    expect(() => hasAcceptanceRateBelow(0.5, { size: 3 } as never)).toThrow(ConfigError);
  });

  test('a progress without its window is a mistake of the caller, said at the first check', () => {
    expect(() => hasAcceptanceRateBelow(0.5)(initialProgress(0))).toThrow('hasAcceptanceRateBelow: the progress keeps no window `acceptance:100`');
  });
});

describe('hasMeanScoreBelow', () => {
  const scores = (...values: unknown[]) => values.map((score, index) => made(index, { judge: { score } }));

  test('holds once `after` records had a number at the field and their mean over the window is below the score', () => {
    const criterion = hasMeanScoreBelow('judge.score', 3, { window: 3, after: 4 });
    expect(criterion.reason).toBe('mean_score');
    expect(criterion.windows).toEqual([{ kind: 'score', field: 'judge.score', size: 3 }]);
    expect(criterion(progressAfter(criterion, scores(1, 1, 1)))).toBe(false);
    expect(criterion(progressAfter(criterion, scores(5, 1, 1, 1)))).toBe(true);
    expect(criterion(progressAfter(criterion, scores(1, 1, 3, 3, 3)))).toBe(false);
    expect(criterion.describe(progressAfter(criterion, scores(5, 1, 2, 2.5)))).toBe('mean `judge.score` 1.83 over the last 3 records is below 3');
  });

  test('numbers written as text count; records without a number are left out', () => {
    const criterion = hasMeanScoreBelow('judge.score', 3, { window: 3, after: 3 });
    expect(criterion(progressAfter(criterion, [...scores('2', 'n/a', null), made(9), ...scores(2)]))).toBe(false);
    expect(criterion(progressAfter(criterion, [...scores('2', 'n/a', null), made(9), ...scores(2, ' 1 ')]))).toBe(true);
  });

  test('`after` records and none with a number: the field name is wrong, so it holds and says so', () => {
    const criterion = hasMeanScoreBelow('judge_scor', 3, { after: 5 });
    expect(criterion(progressAfter(criterion, scores(4, 4, 4, 4)))).toBe(false);
    const progress = progressAfter(criterion, scores(4, 4, 4, 4, 4));
    expect(criterion(progress)).toBe(true);
    expect(criterion.describe(progress)).toBe('none of the 5 accepted records has a number at `judge_scor` (is the field name right, and does a block write it?)');
  });

  test('bad arguments throw a ConfigError at the call', () => {
    expect(() => hasMeanScoreBelow('a..b', 3)).toThrow('hasMeanScoreBelow: invalid config at `(root)`: field path `a..b` is malformed');
    expect(() => hasMeanScoreBelow('', 3)).toThrow(ConfigError);
    expect(() => hasMeanScoreBelow('score', Number.NaN)).toThrow(ConfigError);
    expect(() => hasMeanScoreBelow('score', 3, { window: -1 })).toThrow('`window`');
  });
});

describe('isMisconfigured', () => {
  const keyInvalid = (index: number) => rejectedOf(index, 'q', 'dedupe_key_invalid');

  test('holds once the first `inputs` inputs were each rejected by one config-shaped issue of one block', () => {
    const criterion = isMisconfigured(3);
    expect(criterion.reason).toBe('misconfigured');
    expect(criterion.windows).toBeUndefined();
    const two = progressAfter(criterion, [keyInvalid(0), keyInvalid(1)]);
    expect(criterion(two)).toBe(false);
    const three = advanceProgress(two, keyInvalid(2), 0);
    expect(criterion(three)).toBe(true);
    expect(criterion.describe(three)).toBe('every one of the first 3 records was rejected by block `earlier`: dedupe_key_invalid: dedupe_key_invalid for test');
    expect(criterion(progressAfter(criterion, [made(0), keyInvalid(1), keyInvalid(2), keyInvalid(3)]))).toBe(false);
  });

  test('waits for 10 by default; bad counts throw', () => {
    expect(isMisconfigured()(progressAfter(isMisconfigured(), Array.from({ length: 9 }, (_, index) => keyInvalid(index))))).toBe(false);
    expect(isMisconfigured()(progressAfter(isMisconfigured(), Array.from({ length: 10 }, (_, index) => keyInvalid(index))))).toBe(true);
    expect(() => isMisconfigured(0)).toThrow(ConfigError);
  });
});

describe('windowsOf', () => {
  test('collects the windows of every criterion', () => {
    expect(windowsOf([isRecordCount(3), hasAcceptanceRateBelow(0.1, { window: 5 }), hasFailureRate(0.5), hasMeanScoreBelow('s', 2)])).toEqual([
      { kind: 'acceptance', size: 5 },
      { kind: 'score', field: 's', size: 100 },
    ]);
  });
});
