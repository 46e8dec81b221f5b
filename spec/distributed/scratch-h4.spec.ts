import { describe, expect, test } from 'vitest';
import { toArray, mergeMap, from, type Observable } from 'rxjs';
import { exactDedupBlock } from '../../lib/blocks/similarity/dedup-exact.ts';
import type { BlockDefinition } from '../../lib/blocks/block-definition.ts';
import type { DataPoint, Outcome } from '../../lib/record.ts';
import { InputPipeline } from '../../lib/distributed/input-pipeline.ts';
import { freshTaskKey, useDedupeWorkers } from './dedupe-workers.ts';
import { redisAvailable, useRedisServer } from '../helpers/redis-server.ts';
import { operatorOf, question } from '../blocks/similarity/similarity-harness.ts';

const redisUrl = useRedisServer();
const workerOf = useDedupeWorkers(redisUrl);

describe.skipIf(!redisAvailable)('scratch h4', () => {
  test('retry of the same input on another worker rejects its own record as duplicate', async () => {
    const key = freshTaskKey();
    const a = workerOf<DataPoint>(key, operatorOf(exactDedupBlock as unknown as BlockDefinition, { input_map: { question: 'input' } }));
    const b = workerOf<DataPoint>(key, operatorOf(exactDedupBlock as unknown as BlockDefinition, { input_map: { question: 'input' } }));
    const first = await a.send(question('7-ab', 'deterministic text'));
    const retry = await b.send(question('7-ab', 'deterministic text'));
    expect([first.status, retry.status]).toEqual(['accepted', 'rejected']);
  });

  test('a builder that holds records until its input ends never settles a job', async () => {
    const holding = ((source: Observable<Outcome<unknown>>) => source.pipe(toArray(), mergeMap((all) => from(all)))) as never;
    const pipeline = new InputPipeline(holding);
    let settled = false;
    void pipeline.process({ status: 'accepted', id: '0-a', record: {} } as Outcome<unknown>).then(() => (settled = true));
    let restored = false;
    void pipeline.restore([{ status: 'restored', id: '0-b', record: {} } as never]).then(() => (restored = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([settled, restored]).toEqual([false, false]);
    pipeline.close();
  });
});
