import { describe, expect, test } from 'vitest';
import { minHashDedupBlock } from '../../../lib/blocks/similarity/dedup-minhash.ts';
import type { DataPoint } from '../../../lib/record.ts';
import { jaccard, shingleHashes } from '../../../lib/text/shingle-hashes.ts';
import { configErrorOf, issuesOf, question, restoredQuestion, runBlock, statusesOf } from './similarity-harness.ts';

const onQuestion = { input_map: { question: 'input' } };
const base = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dawn';
const oneWord = 'the quick brown fox jumps over the lazy dog near the quiet river bank at dusk';
const twoWords = 'the quick brown fox leaps over the lazy dog near the quiet river bank at dusk';

describe('dedup/minhash', () => {
  test('rejects (by default) a record whose 3-word-shingle Jaccard to a kept one reaches 0.8', async () => {
    const score = jaccard(shingleHashes(oneWord, 3), shingleHashes(base, 3));
    expect(score).toBeGreaterThanOrEqual(0.8);
    const results = await runBlock(minHashDedupBlock, onQuestion, [question('1', base), question('2', oneWord), question('3', twoWords), question('4', `${base.toUpperCase()}!`)]);
    expect(statusesOf(results)).toEqual(['accepted', 'rejected', 'accepted', 'rejected']);
    expect(issuesOf(results[1])).toEqual([
      { code: 'duplicate', message: `word-shingle Jaccard ${Number(score.toFixed(2))} >= threshold 0.8 to a text kept earlier`, block: 'b', path: ['question'] },
    ]);
  });

  test('takes threshold, shingle_size and num_permutations', async () => {
    const fields = { ...onQuestion, threshold: 0.5, shingle_size: 2, num_permutations: 128 };
    const results = await runBlock(minHashDedupBlock, fields, [question('1', base), question('2', twoWords)]);
    expect(statusesOf(results)).toEqual(['accepted', 'rejected']);
  });

  test('with filter false, keeps every record and marks it; restored records seed it', async () => {
    const results = await runBlock(minHashDedupBlock, { ...onQuestion, filter: false }, [restoredQuestion('r', '今日はいい天気ですね。'), question('1', '今日は、いい天気ですね！')]);
    expect(statusesOf(results)).toEqual(['restored', 'accepted']);
    expect((results[1]?.record as DataPoint)['is_valid']).toBe(false);
    expect((results[1]?.record as DataPoint)['metadata']).toEqual({ score: 1, reason: 'word-shingle Jaccard 1 >= threshold 0.8 to a text kept earlier' });
  });

  test.each([
    ['a threshold above 1', { threshold: 1.5 }, 'blocks.0.threshold'],
    ['a threshold of 0', { threshold: 0 }, 'blocks.0.threshold'],
    ['a shingle size of 0', { shingle_size: 0 }, 'blocks.0.shingle_size'],
    ['a fractional permutation count', { num_permutations: 6.5 }, 'blocks.0.num_permutations'],
  ])('%s is a ConfigError naming the file and field', (_, fields, field) => {
    expect(configErrorOf(minHashDedupBlock, { ...onQuestion, ...fields })).toMatchObject({ file: 'b.yaml', field });
  });
});
