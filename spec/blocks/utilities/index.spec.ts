import { describe, expect, it } from 'vitest';
import { utilityBlocks } from '../../../lib/blocks/utilities/index.ts';

describe('utilityBlocks', () => {
  it("lists DGT's model-free blocks under DGT's type names, validators marked", () => {
    expect(utilityBlocks.map((block) => [block.type, block.validator ?? false])).toEqual([
      ['noop', true],
      ['field_map', false],
      ['flatten_field', false],
      ['tool_call_validator', true],
      ['validators/data_leak', true],
    ]);
    for (const block of utilityBlocks) expect(block.filterByDefault ?? false).toBe(false);
  });
});
