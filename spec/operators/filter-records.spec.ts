import { describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { accepted, rejected } from '../../lib/outcome.ts';
import type { Outcome } from '../../lib/record.ts';
import { filterRecords } from '../../operators/filter-records.ts';
import { describeOperatorContract } from '../helpers/operator-contract.ts';
import { type Question, rejectedOf, restoredOf, usageOf } from '../helpers/outcomes.ts';
import { useTestScheduler } from '../helpers/test-scheduler.ts';

const usage = usageOf({ calls: 1, cachedCalls: 0, promptTokens: 2, completionTokens: 5 });
const long = accepted<Question>('0', { question: 'Why?', answer: 'Because it is.' }, usage);
const short = accepted<Question>('1', { question: 'How?', answer: '' }, usage);
const values = { l: long, s: short };

const nonEmpty = () => filterRecords<Question>({ predicate: (record) => (record.answer ?? '').length > 0 || 'empty answer' });

// Samples the predicate keeps; `short` would be rejected.
const kept = { l: long, k: accepted<Question>('2', { question: 'Who?', answer: 'Me.' }) };
describeOperatorContract('filterRecords', nonEmpty, kept, {
  endless: (index) => accepted<Question>(String(index), { question: 'q', answer: 'a' }),
});

describe('filterRecords', () => {
  const testScheduler = useTestScheduler();

  test('one value the predicate keeps passes as the same outcome', () => {
    const emitted: Outcome<Question>[] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const result = cold('-l|', values).pipe(nonEmpty());
      result.subscribe((outcome) => emitted.push(outcome));
      expectObservable(result).toBe('-l|', values);
    });
    expect(emitted[0]).toBe(long);
  });

  test('many values: a string verdict rejects with code filtered and that reason, keeping record and usage', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const expected = { l: long, s: rejected(short, [{ code: 'filtered', message: 'empty answer', block: 'filter' }]) };
      expectObservable(cold('-l-s-l|', values).pipe(nonEmpty())).toBe('-l-s-l|', expected);
    });
  });

  test('false rejects with a default reason and the block name', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const expected = { l: rejected(long, [{ code: 'filtered', message: 'rejected by the filter', block: 'length' }]) };
      expectObservable(cold('-l|', values).pipe(filterRecords({ predicate: () => false, name: 'length' }))).toBe('-l|', expected);
    });
  });

  test('the predicate receives the record and the id of its input', () => {
    const predicate = vi.fn((_record: Question, _id: string) => true);
    testScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-l-s|', values).pipe(filterRecords({ predicate }))).toBe('-l-s|', values);
    });
    expect(predicate.mock.calls).toEqual([
      [long.record, '0'],
      [short.record, '1'],
    ]);
  });

  test('rejected and restored outcomes pass through without calling the predicate', () => {
    const predicate = vi.fn(() => false);
    testScheduler().run(({ cold, expectObservable }) => {
      const passing = { r: rejectedOf(0, 'q'), s: restoredOf('q') };
      expectObservable(cold('-r-s|', passing).pipe(filterRecords({ predicate }))).toBe('-r-s|', passing);
    });
    expect(predicate).not.toHaveBeenCalled();
  });

  test('a predicate that throws rejects that record with filter_failed; the stream goes on', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const predicate = (record: Question) => {
        if (record.answer === '') throw new Error('cannot judge an empty answer');
        return true;
      };
      const expected = { l: long, s: rejected(short, [{ code: 'filter_failed', message: 'cannot judge an empty answer', block: 'filter' }]) };
      expectObservable(cold('-s-l|', values).pipe(filterRecords({ predicate }))).toBe('-s-l|', expected);
    });
  });

  test('bad config throws a ConfigError at the factory call', () => {
    expect(() => filterRecords({ predicate: 'yes' as never })).toThrow(ConfigError);
    expect(() => filterRecords({ predicate: 'yes' as never })).toThrow('filterRecords: invalid config at `predicate`');
    expect(() => filterRecords({ predicate: () => true, name: '' })).toThrow('`name`');
  });
});
