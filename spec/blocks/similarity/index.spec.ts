import { describe, expect, test } from 'vitest';
import { similarityBlocks } from '../../../lib/blocks/similarity/index.ts';

describe('similarityBlocks', () => {
  test('lists rouge_scorer, dedup/exact and dedup/minhash: validators reading `input`', () => {
    expect(similarityBlocks.map((block) => block.type)).toEqual(['rouge_scorer', 'dedup/exact', 'dedup/minhash']);
    for (const block of similarityBlocks) {
      expect(block.validator).toBe(true);
      expect(block.inputs?.required).toEqual(['input']);
      expect(block.summary.length).toBeGreaterThan(20);
    }
    expect(similarityBlocks.map((block) => block.filterByDefault)).toEqual([false, true, true]);
  });
});
