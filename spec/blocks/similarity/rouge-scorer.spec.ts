import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, test } from 'vitest';
import { rougeScorerBlock } from '../../../lib/blocks/similarity/rouge-scorer.ts';
import { rejected } from '../../../lib/outcome.ts';
import type { DataPoint, Outcome } from '../../../lib/record.ts';
import { rougeScore } from '../../../lib/text/rouge-score.ts';
import { seededRandom } from '../../helpers/seeded-random.ts';
import { configErrorOf, context, issuesOf, operatorOf, question, record, restoredQuestion, runBlock, statusesOf } from './similarity-harness.ts';

const onQuestion = { input_map: { question: 'input' } };

describe('rouge_scorer with filter', () => {
  test('rejects a record too similar to a kept one, saying how similar, and marks the rejected record', async () => {
    const outcomes = [question('1-a', 'the cat sat on the mat'), question('2-b', 'The cat sat.'), question('3-c', 'a dog ran home')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 0.6 }, outcomes);
    const reason = 'Rouge-L F1 0.67 >= threshold 0.6 to a text kept earlier';
    expect(results).toEqual([
      outcomes[0],
      {
        ...rejected({ ...outcomes[1]!, record: record({ question: 'The cat sat.', is_valid: false, metadata: { score: 2 / 3, reason } }) }, [
          { code: 'duplicate', message: reason, block: 'b', path: ['question'] },
        ]),
        // The record as it came, for the example pool: the one it would have taken had this one been kept.
        received: outcomes[1]!.record,
      },
      outcomes[2],
    ]);
  });

  test('compares each record with the kept ones only: a rejected record is not kept', async () => {
    // B is 0.83 to A; C is 0.67 to A and 0.83 to B.
    const outcomes = [question('1', 'a b c d e f'), question('2', 'a b c d e x'), question('3', 'a b c d y x')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 0.8 }, outcomes);
    expect(statusesOf(results)).toEqual(['accepted', 'rejected', 'accepted']);
  });

  test('is off by default (DGT threshold 1.1) and with threshold null', async () => {
    const outcomes = [question('1', 'same text'), question('2', 'same text')];
    expect(await runBlock(rougeScorerBlock, { ...onQuestion, filter: true }, outcomes)).toEqual(outcomes);
    expect(await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: null }, outcomes)).toEqual(outcomes);
  });

  test('threshold 1 drops exact token duplicates in any script', async () => {
    const outcomes = [question('1', '東京の人口は？'), question('2', '東京の人口は'), question('3', 'Tokyo population?'), question('4', 'tokyo, population')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 1 }, outcomes);
    expect(statusesOf(results)).toEqual(['accepted', 'rejected', 'accepted', 'rejected']);
  });

  test('records restored on resume seed the kept texts', async () => {
    const outcomes = [restoredQuestion('r', 'What is the capital of France?'), question('1', 'what is the capital of france')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 0.9 }, outcomes);
    expect(statusesOf(results)).toEqual(['restored', 'rejected']);
  });
});

describe('rouge_scorer without filter (DGT default)', () => {
  test('keeps every record, marking is_valid and, for a duplicate, metadata; duplicates are kept texts too', async () => {
    const outcomes = [question('1', 'a b c d e f'), question('2', 'a b c d e x'), question('3', 'a b c d y x')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, threshold: 0.8 }, outcomes);
    expect(statusesOf(results)).toEqual(['accepted', 'accepted', 'accepted']);
    const reason = 'Rouge-L F1 0.83 >= threshold 0.8 to a text kept earlier';
    expect(results.map((outcome) => outcome.record)).toEqual([
      record({ question: 'a b c d e f', is_valid: true }),
      record({ question: 'a b c d e x', is_valid: false, metadata: { score: 10 / 12, reason } }),
      record({ question: 'a b c d y x', is_valid: false, metadata: { score: 10 / 12, reason } }),
    ]);
  });

  test('writes its marks where output_map says', async () => {
    const outcomes = [question('1', 'the cat'), question('2', 'the cat')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, threshold: 1, output_map: { is_valid: 'checks.unique', metadata: 'checks.why' } }, outcomes);
    expect(results.map((outcome) => (outcome.record as DataPoint)['checks'])).toEqual([
      { unique: true },
      { unique: false, why: { score: 1, reason: 'Rouge-L F1 1 >= threshold 1 to a text kept earlier' } },
    ]);
  });
});

describe('rouge_scorer score functions and Rouge kinds', () => {
  test('precision divides by the kept text, recall by the new one', async () => {
    const outcomes = [question('1', 'the cat sat on the mat'), question('2', 'the cat sat')];
    const precision = await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 0.9, score_func: 'precision' }, outcomes);
    expect(statusesOf(precision)).toEqual(['accepted', 'accepted']); // 3 / 6
    const recall = await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 0.9, score_func: 'recall' }, outcomes);
    expect(issuesOf(recall[1])).toEqual([{ code: 'duplicate', message: 'Rouge-L recall 1 >= threshold 0.9 to a text kept earlier', block: 'b', path: ['question'] }]);
  });

  test('averages the listed kinds, names trimmed', async () => {
    const outcomes = [question('1', 'the cat sat on the mat'), question('2', 'the cat sat on a mat')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, threshold: 0.5, rouge_types: ['lcs', ' n_2 '] }, outcomes);
    const score = (5 / 6 + 0.6) / 2;
    expect((results[1]?.record as DataPoint)['metadata']).toEqual({ score, reason: 'mean Rouge-L, Rouge-2 F1 0.72 >= threshold 0.5 to a text kept earlier' });
  });

  test('decides as a brute-force scan of rougeScore does', async () => {
    const random = seededRandom(5);
    const words = ['the', 'cat', 'sat', 'on', 'mat', 'dog', 'ran', 'a', 'big', 'red'];
    const texts = Array.from({ length: 300 }, () => Array.from({ length: 2 + Math.floor(random() * 8) }, () => words[Math.floor(random() * words.length)]).join(' '));
    const options = { types: ['n_1', 'lcs'], scoreFunction: 'recall' } as const;
    const kept: string[] = [];
    const expected = texts.map((text) => {
      if (kept.some((other) => rougeScore(text, other, options) >= 0.75)) return 'rejected';
      kept.push(text);
      return 'accepted';
    });
    const fields = { ...onQuestion, filter: true, threshold: 0.75, score_func: 'recall', rouge_types: ['n_1', 'lcs'] };
    const results = await runBlock(rougeScorerBlock, fields, texts.map((text, index) => question(String(index), text)));
    expect(statusesOf(results)).toEqual(expected);
    expect(expected.filter((status) => status === 'rejected').length).toBeGreaterThan(50);
  });
});

describe('rouge_scorer context', () => {
  test('`context` texts are compared first, and are not outputs', async () => {
    const outcomes = [question('1', 'What is the capital of France?'), question('2', 'How do bees make honey?')];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 0.9, context: ['what is the capital of france'] }, outcomes);
    expect(statusesOf(results)).toEqual(['rejected', 'accepted']);
    expect(issuesOf(results[0])[0]?.message).toBe('Rouge-L F1 1 >= threshold 0.9 to a `context` text');
  });

  test("the record's own `context` input (a text or a list of texts) is compared too", async () => {
    const fields = { input_map: { question: 'input', examples: 'context' }, filter: true, threshold: 0.9, score_func: 'recall', rouge_types: ['n_1'] };
    const outcomes = [
      question('1', 'the cat sat', { examples: ['a dog ran', 'the cat sat on the mat'] }),
      question('2', 'the cat sat', { examples: 'birds fly' }),
      question('3', 'birds fly south', { examples: 42 }),
      question('4', 'birds fly south'),
    ];
    const results = await runBlock(rougeScorerBlock, fields, outcomes);
    expect(statusesOf(results)).toEqual(['rejected', 'accepted', 'rejected', 'accepted']);
    expect(issuesOf(results[0])[0]?.message).toBe("Rouge-1 recall 1 >= threshold 0.9 to the record's context text 2");
    expect(issuesOf(results[2])).toEqual([
      { code: 'input_not_text', message: "the block's `context` input must be a text or a list of texts", block: 'b', path: ['question'] },
    ]);
  });
});

describe('rouge_scorer inputs and config', () => {
  test('a non-text input rejects the record with input_not_text; a missing one with input_missing', async () => {
    const outcomes = [question('1', 42), question('2', null), { ...question('3', 'x'), record: record({ other: 'x' }) }];
    const results = await runBlock(rougeScorerBlock, { ...onQuestion, threshold: 0.5 }, outcomes);
    expect(issuesOf(results[0])).toEqual([{ code: 'input_not_text', message: "the block's `input` is number, expected a text", block: 'b', path: ['question'] }]);
    expect(issuesOf(results[1])[0]?.message).toBe("the block's `input` is null, expected a text");
    expect(issuesOf(results[2])[0]?.code).toBe('input_missing');
  });

  test.each([
    ['an unknown Rouge kind', { rouge_types: ['lcs', 'n_4'] }, 'blocks.0.rouge_types.1'],
    ['rouge_types not a list', { rouge_types: 'lcs' }, 'blocks.0.rouge_types'],
    ['no Rouge kind', { rouge_types: [] }, 'blocks.0.rouge_types'],
    ['an unknown score function', { score_func: 'f2' }, 'blocks.0.score_func'],
    ['a threshold of 0', { threshold: 0 }, 'blocks.0.threshold'],
    ['an unknown field', { treshold: 0.5 }, 'blocks.0.treshold'],
  ])('%s is a ConfigError naming the file and field', (_, fields, field) => {
    const error = configErrorOf(rougeScorerBlock, { ...onQuestion, ...fields });
    expect(error).toMatchObject({ file: 'b.yaml', field });
  });

  test('create() gives an operator over outcomes, with state per subscription', async () => {
    const config = { name: 'dedup', type: 'rouge_scorer', filter: true, threshold: 1, fast_rouge: true, score_func: 'f1' as const, rouge_types: ['lcs' as const], context: [] };
    const behaviour = rougeScorerBlock.create(config, context);
    if (behaviour.kind !== 'operator') throw new Error('rouge_scorer is an operator');
    const operator = behaviour.operator((each: DataPoint) => ({ input: each['question'] }));
    const outcomes: Outcome<DataPoint>[] = [question('1', 'a b'), question('2', 'A, b!')];
    const run = () => lastValueFrom(from(outcomes).pipe(operator, toArray()));
    expect(statusesOf(await run())).toEqual(['accepted', 'rejected']);
    expect(statusesOf(await run())).toEqual(['accepted', 'rejected']);
    expect(issuesOf((await run())[1])).toEqual([{ code: 'duplicate', message: 'Rouge-L F1 1 >= threshold 1 to a text kept earlier', block: 'dedup' }]);
  });

  test('the operator the registry makes can be reused on several streams', async () => {
    const operator = operatorOf(rougeScorerBlock, { ...onQuestion, filter: true, threshold: 1 });
    const outcomes = [question('1', 'x y'), question('2', 'x y')];
    for (let run = 0; run < 2; run++) expect(statusesOf(await lastValueFrom(from(outcomes).pipe(operator, toArray())))).toEqual(['accepted', 'rejected']);
  });
});
