import { describe, expect, test } from 'vitest';
import type { BlockDefinition } from '../../../lib/blocks/block-definition.ts';
import { dedupEmbeddingBlock } from '../../../lib/blocks/embedding/dedup-embedding.ts';
import type { DataPoint, Outcome } from '../../../lib/record.ts';
import { freshTaskKey, useDedupeWorkers } from '../../distributed/dedupe-workers.ts';
import { redisAvailable, useRedisServer } from '../../helpers/redis-server.ts';
import { useTestServers } from '../../helpers/test-servers.ts';
import { embeddingConfigOf, issuesOf, operatorOf, question, useEmbeddingContexts } from './embedding-harness.ts';

const redisUrl = useRedisServer();
const workerOf = useDedupeWorkers(redisUrl);
const start = useTestServers();
const contextOf = useEmbeddingContexts();
const block = dedupEmbeddingBlock as unknown as BlockDefinition;

/** Two workers of one `dedup/embedding` block of one task, each with its own embedder, operator and Redis client. */
async function twoWorkers() {
  const server = await start();
  const fields = { threshold: 0.95, input_map: { question: 'input' }, embedding_config: embeddingConfigOf(server) };
  const taskKey = freshTaskKey();
  return [workerOf<DataPoint>(taskKey, operatorOf(block, fields, contextOf())), workerOf<DataPoint>(taskKey, operatorOf(block, fields, contextOf()))] as const;
}

const statusOf = (outcome: Outcome<DataPoint>) => outcome.status;

describe.skipIf(!redisAvailable)('dedupeByEmbedding shared across workers (shareDedupe over Redis)', () => {
  test('a near-duplicate of a record kept on the other worker is rejected, naming it; the first kept wins', async () => {
    const [first, second] = await twoWorkers();
    expect(statusOf(await first.send(question('1-a', 'What is the capital of France?')))).toBe('accepted');
    const duplicate = await second.send(question('2-b', 'what is the capital of france'));
    expect(issuesOf(duplicate)).toEqual([{ code: 'duplicate', message: 'block `b`: the input is a near-duplicate of record 1-a (cosine 1 >= threshold 0.95)', block: 'b' }]);
    expect(statusOf(await second.send(question('3-c', 'How do bees make honey?')))).toBe('accepted');
    expect(statusOf(await first.send(question('4-d', 'how do bees make honey')))).toBe('rejected');
    expect(statusOf(await first.send(question('5-e', 'What is the capital of Spain?')))).toBe('accepted');
  });

  test('the same text sent to both workers at once is kept by exactly one', async () => {
    const [first, second] = await twoWorkers();
    const pairs = await Promise.all(
      Array.from({ length: 8 }, (_, index) => Promise.all([first.send(question(`a${index}`, `Name ${index} rivers of the world`)), second.send(question(`b${index}`, `name ${index} rivers of the world`))])),
    );
    for (const pair of pairs) expect(pair.map(statusOf).sort()).toEqual(['accepted', 'rejected']);
  });

  test('a record restored on one worker counts as kept on the other', async () => {
    const [first, second] = await twoWorkers();
    const restored: Outcome<DataPoint> = { status: 'restored', id: '0-r', record: { task_name: 't', is_seed: false, question: 'Name three rivers in Europe.' } };
    expect(await first.send(restored)).toBe(restored);
    expect(issuesOf(await second.send(question('1-x', 'name three rivers in europe')))?.[0]?.message).toContain('near-duplicate of record 0-r');
  });
});
