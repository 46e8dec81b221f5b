import { delay, mergeMap, of, pipe, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { InputPipeline } from '../../lib/distributed/input-pipeline.ts';
import { accepted, fanOut } from '../../lib/outcome.ts';
import type { DataPoint, Outcome, Restored } from '../../lib/record.ts';
import type { Builder } from '../../lib/run/task-options.ts';

const record = (n: number): DataPoint => ({ task_name: 't', is_seed: false, n });

/** Splits input `n` into `n` records after a wait of `n` ms (so inputs end out of order); restored records pass. */
const splitting = pipe(
  mergeMap((outcome: Outcome<DataPoint>) => of(outcome).pipe(delay(outcome.status === 'restored' ? 0 : ((outcome.record as DataPoint)['n'] as number)))),
  mergeMap((outcome): Outcome<DataPoint>[] => {
    if (outcome.status !== 'accepted') return [outcome];
    const n = outcome.record['n'] as number;
    return fanOut(outcome, Array.from({ length: n }, (_, part) => ({ ...record(n), part })), 'split');
  }),
) as unknown as Builder<never>;

describe('InputPipeline', () => {
  it("gives each input its own outcomes once their shares add up to one, whatever the order they end in", async () => {
    const pipeline = new InputPipeline(splitting);
    const [three, one, two] = await Promise.all([3, 1, 2].map((n) => pipeline.process(accepted(`${n}-x`, record(n)))));
    expect(three!.map((outcome) => outcome.id)).toEqual(['3-x', '3-x', '3-x']);
    expect(one).toHaveLength(1);
    expect(two!.map((outcome) => (outcome.status === 'accepted' ? outcome.record['part'] : undefined))).toEqual([0, 1]);
    pipeline.close();
  });

  it('resolves a restore once its records came out of the builder, before later inputs', async () => {
    const pipeline = new InputPipeline(splitting);
    const restored: Restored[] = [1, 2, 3].map((n) => ({ status: 'restored', id: `${n}-r`, record: record(n) }));
    await expect(pipeline.restore(restored)).resolves.toBeUndefined();
    await expect(pipeline.process(accepted('4-x', record(1)))).resolves.toHaveLength(1);
    pipeline.close();
  });

  it('fails every open input when the builder errors, and says it is no longer usable', async () => {
    const failing = mergeMap((outcome: Outcome<DataPoint>) => (outcome.status === 'accepted' && outcome.record['n'] === 2 ? throwError(() => new Error('block broke')) : of(outcome).pipe(delay(20)))) as unknown as Builder<never>;
    const pipeline = new InputPipeline(failing);
    const slow = pipeline.process(accepted('1-x', record(1)));
    const broken = pipeline.process(accepted('2-x', record(2)));
    await expect(broken).rejects.toThrow('block broke');
    await expect(slow).rejects.toThrow('block broke');
    expect(pipeline.usable).toBe(false);
    await expect(pipeline.process(accepted('3-x', record(3)))).rejects.toThrow('block broke');
  });

  it('refuses an input already in the builder (a job run twice at once)', async () => {
    const pipeline = new InputPipeline(splitting);
    const first = pipeline.process(accepted('5-x', record(5)));
    await expect(pipeline.process(accepted('5-x', record(5)))).rejects.toThrow('already in this worker');
    await expect(first).resolves.toHaveLength(5);
    pipeline.close();
  });
});
