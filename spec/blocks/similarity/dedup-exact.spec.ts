import { describe, expect, test } from 'vitest';
import { exactDedupBlock } from '../../../lib/blocks/similarity/dedup-exact.ts';
import type { DataPoint } from '../../../lib/record.ts';
import { configErrorOf, issuesOf, question, record, restoredQuestion, runBlock, statusesOf } from './similarity-harness.ts';

const onQuestion = { input_map: { question: 'input' } };

describe('dedup/exact', () => {
  test('rejects (by default) a record whose trimmed text equals a kept one; case and inner spaces count', async () => {
    const outcomes = [
      question('1', 'What is the capital of France?'),
      question('2', '  What is the capital of France?\n'),
      question('3', 'what is the capital of France?'),
      question('4', 'What is the  capital of France?'),
    ];
    const results = await runBlock(exactDedupBlock, onQuestion, outcomes);
    expect(statusesOf(results)).toEqual(['accepted', 'rejected', 'accepted', 'accepted']);
    expect(issuesOf(results[1])).toEqual([{ code: 'duplicate', message: 'the text (trimmed) equals a text kept earlier', block: 'b', path: ['question'] }]);
  });

  test('with filter false, keeps every record and marks it', async () => {
    const results = await runBlock(exactDedupBlock, { ...onQuestion, filter: false }, [question('1', '東京'), question('2', '東京 ')]);
    expect(results.map((outcome) => outcome.record as DataPoint)).toEqual([
      record({ question: '東京', is_valid: true }),
      record({ question: '東京 ', is_valid: false, metadata: { score: 1, reason: 'the text (trimmed) equals a text kept earlier' } }),
    ]);
  });

  test('restored records seed the kept texts; non-text inputs are rejected', async () => {
    const results = await runBlock(exactDedupBlock, onQuestion, [restoredQuestion('r', 'a'), restoredQuestion('s', 7), question('1', 'a'), question('2', ['a'])]);
    expect(statusesOf(results)).toEqual(['restored', 'restored', 'rejected', 'rejected']);
    expect(issuesOf(results[3])[0]).toMatchObject({ code: 'input_not_text', message: "the block's `input` is an array, expected a text" });
  });

  test('takes no fields of its own', () => {
    expect(configErrorOf(exactDedupBlock, { ...onQuestion, threshold: 1 })).toMatchObject({ file: 'b.yaml', field: 'blocks.0.threshold' });
  });
});
