import { describe, expect, test } from 'vitest';
import { exactDedupBlock } from '../../../lib/blocks/similarity/dedup-exact.ts';
import { minHashDedupBlock } from '../../../lib/blocks/similarity/dedup-minhash.ts';
import { rougeScorerBlock } from '../../../lib/blocks/similarity/rouge-scorer.ts';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import type { DataPoint, Outcome } from '../../../lib/record.ts';
import { freshTaskKey, useDedupeWorkers } from '../../distributed/dedupe-workers.ts';
import { redisAvailable, useRedisServer } from '../../helpers/redis-server.ts';
import { issuesOf, operatorOf, question, record, restoredQuestion, runBlock } from './similarity-harness.ts';

const redisUrl = useRedisServer();
const workerOf = useDedupeWorkers(redisUrl);
const onQuestion = { input_map: { question: 'input' } };

/** Two workers of one block of one task, each with its own operator and Redis client. */
function twoWorkers(definition: BlockDefinition, fields: Record<string, unknown>) {
  const taskKey = freshTaskKey();
  return [workerOf<DataPoint>(taskKey, operatorOf(definition, fields)), workerOf<DataPoint>(taskKey, operatorOf(definition, fields))] as const;
}

/** 40 words of topic `topic`, the `edited`-th replaced: one-word edits of a topic are near-duplicates (Jaccard >= 0.8). */
const sentence = (topic: number, edited = -1) =>
  Array.from({ length: 40 }, (_, index) => (index === edited ? 'changed' : `t${topic}w${index}`)).join(' ');

/** `count` words of their own for `topic`: `words(1, 5)` and `words(1, 6)` score Rouge-L F1 10/11. */
const words = (topic: number, count: number) => Array.from({ length: count }, (_, index) => `p${topic}q${index}`).join(' ');

/**
 * Sends `texts` alternately to the two workers, one at a time (so that the order is the order of the list), and
 * returns each outcome's status.
 */
async function alternately(workers: readonly [{ send(outcome: Outcome<DataPoint>): Promise<Outcome<DataPoint>> }, { send(outcome: Outcome<DataPoint>): Promise<Outcome<DataPoint>> }], texts: readonly string[]) {
  const statuses: string[] = [];
  for (const [index, text] of texts.entries()) statuses.push((await workers[index % 2]!.send(question(String(index), text))).status);
  return statuses;
}

describe.skipIf(!redisAvailable)('dedupe blocks shared across workers (shareDedupe over Redis)', () => {
  test('dedup/exact: a duplicate of a text kept on the other worker is rejected; the first kept wins', async () => {
    const workers = twoWorkers(exactDedupBlock as unknown as BlockDefinition, onQuestion);
    const texts = ['alpha', 'alpha ', 'beta', 'beta', 'gamma', 'delta', 'delta', '  gamma', 'alpha'];
    expect(await alternately(workers, texts)).toEqual(['accepted', 'rejected', 'accepted', 'rejected', 'accepted', 'accepted', 'rejected', 'rejected', 'rejected']);
  });

  test('dedup/exact: pairs sent to both workers at once keep exactly one of each pair', async () => {
    const [first, second] = twoWorkers(exactDedupBlock as unknown as BlockDefinition, onQuestion);
    const pairs = await Promise.all(
      Array.from({ length: 30 }, (_, index) => Promise.all([first.send(question(`a${index}`, `text ${index}`)), second.send(question(`b${index}`, `text ${index} `))])),
    );
    for (const pair of pairs) expect(pair.map((outcome) => outcome.status).sort()).toEqual(['accepted', 'rejected']);
    const rejectedOne = pairs[0]!.find((outcome) => outcome.status === 'rejected');
    expect(issuesOf(rejectedOne)).toEqual([{ code: 'duplicate', message: 'the text (trimmed) equals a text kept earlier', block: 'b', path: ['question'] }]);
  });

  test('dedup/exact: records restored on one worker count as kept on the other; without filter duplicates are marked', async () => {
    const [first, second] = twoWorkers(exactDedupBlock as unknown as BlockDefinition, { ...onQuestion, filter: false });
    expect((await first.send(restoredQuestion('r', 'restored text'))).status).toBe('restored');
    const marked = await second.send(question('1', 'restored text'));
    expect(marked.record).toEqual(record({ question: 'restored text', is_valid: false, metadata: { score: 1, reason: 'the text (trimmed) equals a text kept earlier' } }));
    expect((await first.send(question('2', 'fresh'))).record).toEqual(record({ question: 'fresh', is_valid: true }));
  });

  test('an input run again on the other worker (its first worker died after keeping) keeps its own record; two equal records of one input are still one kept', async () => {
    for (const [definition, fields] of [[exactDedupBlock, onQuestion], [rougeScorerBlock, { ...onQuestion, filter: true, threshold: 0.7 }]] as const) {
      const [first, second] = twoWorkers(definition as unknown as BlockDefinition, fields);
      expect((await first.send(question('7-a', 'the answer is forty two'))).status).toBe('accepted');
      // The job of input 7-a again: the same record, the first in the input, is its own entry.
      expect((await second.send(question('7-a', 'the answer is forty two'))).status).toBe('accepted');
      // A second equal record of that input is a duplicate, as is the text from another input.
      expect((await second.send(question('7-a', 'the answer is forty two'))).status).toBe('rejected');
      expect((await first.send(question('8-b', 'the answer is forty two'))).status).toBe('rejected');
    }
  });

  test('dedup/minhash: near-duplicates across workers are rejected once, the first kept wins; concurrent ones keep one', async () => {
    const workers = twoWorkers(minHashDedupBlock as unknown as BlockDefinition, onQuestion);
    const texts = [sentence(1), sentence(1, 5), sentence(2), sentence(3), sentence(2, 30), sentence(3, 0), sentence(4, 7), sentence(4)];
    expect(await alternately(workers, texts)).toEqual(['accepted', 'rejected', 'accepted', 'accepted', 'rejected', 'rejected', 'accepted', 'rejected']);
    const pairs = await Promise.all(Array.from({ length: 10 }, (_, index) => Promise.all([workers[0].send(question(`a${index}`, sentence(100 + index))), workers[1].send(question(`b${index}`, sentence(100 + index, 3)))])));
    for (const pair of pairs) expect(pair.map((outcome) => outcome.status).sort()).toEqual(['accepted', 'rejected']);
  });

  test('rouge_scorer at threshold 0.7: Rouge-L near-duplicates across workers are rejected once; concurrent ones keep one', async () => {
    const workers = twoWorkers(rougeScorerBlock as unknown as BlockDefinition, { ...onQuestion, filter: true, threshold: 0.7 });
    const texts = ['the cat sat on the mat today', 'the cat sat on a mat today', 'bees make honey from nectar', 'how do bees make honey from nectar', 'rivers of europe'];
    expect(await alternately(workers, texts)).toEqual(['accepted', 'rejected', 'accepted', 'rejected', 'accepted']);
    const pairs = await Promise.all(
      Array.from({ length: 10 }, (_, index) => Promise.all([workers[0].send(question(`a${index}`, words(index, 5))), workers[1].send(question(`b${index}`, words(index, 6)))])),
    );
    for (const pair of pairs) expect(pair.map((outcome) => outcome.status).sort()).toEqual(['accepted', 'rejected']);
    expect(issuesOf(pairs[0]!.find((outcome) => outcome.status === 'rejected'))[0]?.message).toMatch(/^Rouge-L F1 0\.\d+ >= threshold 0\.7 to a text kept earlier$/);
  });

  test('outside a worker (no switch), the block decides alone, synchronously, as before', async () => {
    const outcomes = await runBlock(exactDedupBlock, onQuestion, [question('1', 'a'), question('2', 'a')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['accepted', 'rejected']);
  });
});
