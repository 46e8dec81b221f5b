import { describe, expect, it } from 'vitest';
import { flattenFieldBlock } from '../../../lib/blocks/utilities/flatten-field.ts';
import { configErrorOf, record, runBlock, runOf } from './utility-harness.ts';

describe('flatten_field', () => {
  it('makes one output per item of a list', () => {
    expect(runOf(flattenFieldBlock, {}, { to_flatten: ['a', { b: 1 }, null] })).toEqual([{ flattened: 'a' }, { flattened: { b: 1 } }, { flattened: null }]);
  });

  it('makes one output holding a value that is not a list, and none for an empty list', () => {
    expect(runOf(flattenFieldBlock, {}, { to_flatten: 'solo' })).toEqual([{ flattened: 'solo' }]);
    expect(runOf(flattenFieldBlock, {}, { to_flatten: null })).toEqual([{ flattened: null }]);
    expect(runOf(flattenFieldBlock, {}, { to_flatten: [] })).toEqual([]);
  });

  it('takes no fields of its own', () => {
    expect(configErrorOf(flattenFieldBlock, { field: 'answers' }).field).toBe('blocks.0.field');
  });

  it('fans a record out through input_map and output_map, sharing its input, and rejects an empty list', async () => {
    const outcomes = await runBlock(flattenFieldBlock, { input_map: { answers: 'to_flatten' }, output_map: { flattened: 'answer' } }, [
      record({ question: 'q', answers: ['a', 'b'] }),
      record({ question: 'r', answers: [] }),
    ]);
    expect(outcomes).toHaveLength(3);
    expect(outcomes.slice(0, 2)).toEqual([
      { status: 'accepted', id: '0-x', share: [1, 2], record: record({ question: 'q', answers: ['a', 'b'], answer: 'a' }) },
      { status: 'accepted', id: '0-x', share: [1, 2], record: record({ question: 'q', answers: ['a', 'b'], answer: 'b' }) },
    ]);
    expect(outcomes[2]).toMatchObject({ status: 'rejected', id: '1-x', issues: [{ code: 'no_output', block: 'b' }] });
  });
});
