import { describe, expect, it } from 'vitest';
import { keepLast, sampleFieldCount, sampleOf, sampleValueChars, truncateText } from '../../lib/monitor/record-sample.ts';

describe('sampleOf', () => {
  it('keeps the fields but task_name and is_seed, strings as they are and the rest as JSON', () => {
    expect(sampleOf({ task_name: 't', is_seed: false, question: 'Why?', score: 3, tags: ['a'], missing: null })).toEqual({
      fields: [
        ['question', 'Why?'],
        ['score', '3'],
        ['tags', '["a"]'],
        ['missing', 'null'],
      ],
    });
  });

  it('cuts long values and keeps the first fields only', () => {
    const record = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [`field${index}`, 'x'.repeat(1000)]));
    const sample = sampleOf(record);
    expect(sample.fields).toHaveLength(sampleFieldCount);
    expect(sample.fields[0]![1]).toHaveLength(sampleValueChars);
    expect(sample.fields[0]![1].endsWith('…')).toBe(true);
  });

  it('shows a rejection with its issues, leaving out its in-context examples', () => {
    const sample = sampleOf({ task_name: 't', examples: [{ q: 1 }], seed: 5 }, [{ code: 'parse_failed', message: 'no answer', block: 'generator' }]);
    expect(sample).toEqual({ fields: [['seed', '5']], issues: [{ block: 'generator', code: 'parse_failed', message: 'no answer' }] });
  });

  it('takes any JSON value as a record', () => {
    expect(sampleOf('plain text')).toEqual({ fields: [['value', 'plain text']] });
    expect(sampleOf([1, 2])).toEqual({ fields: [['value', '[1,2]']] });
  });
});

describe('truncateText and keepLast', () => {
  it('cut text and keep the last items', () => {
    expect(truncateText('abcdef', 4)).toBe('abc…');
    expect(truncateText('abc', 4)).toBe('abc');
    const items: number[] = [];
    for (let index = 0; index < 8; index += 1) keepLast(items, index, 3);
    expect(items).toEqual([5, 6, 7]);
  });
});
