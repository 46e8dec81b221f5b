import { describe, expect, it } from 'vitest';
import { noopBlock } from '../../../lib/blocks/utilities/noop.ts';
import { checkOf, configErrorOf, record, runBlock } from './utility-harness.ts';

describe('noop', () => {
  it('accepts any input', () => {
    for (const input of ['text', null, 0, { nested: [1] }]) expect(checkOf(noopBlock, {}, { input })).toEqual({ valid: true });
  });

  it('takes no fields of its own', () => {
    const error = configErrorOf(noopBlock, { threshold: 1 });
    expect(error.field).toBe('blocks.0.threshold');
    expect(error.message).toContain('unknown field');
  });

  it('runs through input_map and output_map, and rejects a record without its input', async () => {
    const [kept, missing] = await runBlock(noopBlock, { input_map: { question: 'input' }, output_map: { is_valid: 'checks.noop' } }, [
      record({ question: 'q' }),
      record({ answer: 'a' }),
    ]);
    expect(kept).toMatchObject({ status: 'accepted', record: { question: 'q', checks: { noop: true } } });
    expect(missing).toMatchObject({ status: 'rejected', issues: [{ code: 'input_missing', block: 'b' }] });
  });
});
