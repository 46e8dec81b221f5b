import { settledBelowOf } from '../store/ledger.ts';
import stableStringify from 'fast-json-stable-stringify';
import { hash32After, hashHex, seededRandom } from '../random.ts';
import type { DataPoint } from '../record.ts';
import type { Ledger } from '../store/task-ledger.ts';
import { remapFields } from '../store/remap-fields.ts';
import { MachinePool } from './machine-pool.ts';
import { type GenerationInput, asSeed } from './task-inputs.ts';
import type { ParsedTaskOptions } from './task-options.ts';
import { TransformationInputs } from './transformation-inputs.ts';

/** An input ready to issue. */
export interface PlannedInput {
  readonly sequence: number;
  /** What the input is (its seed draw, its data row): the ledger hashes it into the input's id. */
  readonly key: string;
  /** The input record, once its id is known. */
  make(id: string): object;
}

/** Where a task's inputs come from, in sequence order, skipping those an earlier run settled. */
export interface InputPlan {
  /** The next input; `'wait'` when it cannot be issued yet (a row still being read, a straggler); undefined once the input is used up. */
  next(): PlannedInput | 'wait' | undefined;
  /**
   * What an input made, as it is committed (or restored from disk): its records, and those a dedupe rejected as
   * duplicates of records kept (generation mixes them into later batches). `texts`, when given, are the JSON texts
   * of the first records (as the ledger wrote them), so they are not made again.
   */
  settled(sequence: number, records: readonly DataPoint[], texts?: readonly string[]): void;
  /** DGT's dataloader position of the input `sequence`, saved with each commit. */
  positionOf(sequence: number): unknown;
  /** Stops reading ahead. */
  close(): void;
}

/**
 * Plans a task's inputs. A generation task draws seed batches by sequence number (the batch of input `s` starts at
 * seed `s × seed_batch_size`, looping) and mixes in machine-made records from a `MachinePool`; with a run seed it
 * waits, when needed, until every input more than two rounds of `concurrency` back has settled, so each batch is
 * the same on every run. A transformation streams its data rows (`TransformationInputs`).
 *
 * @param wake called when an input that was `'wait'` may be ready (a row arrived)
 */
export function planInputs(options: ParsedTaskOptions, ledger: Ledger, runSeed: number, wake: () => void): InputPlan {
  const remap = options.fields === undefined ? undefined : remapFields(options.fields);
  if (options.kind === 'transformation') return new TransformationInputs(options, ledger, remap, wake);
  const seeds = options.seeds.map((seed) => asSeed(options.name, remap ? remap(seed) : seed));
  const batchSize = options.seedBatchSize ?? Math.min(100, seeds.length);
  const fingerprint = hashHex(stableStringify(seeds));
  const pool = options.machineBatchSize > 0 ? new MachinePool(runSeed) : undefined;
  const lag = 2 * options.concurrency;
  // Records restored from earlier runs join the pool as they are read, but for the last inputs before the first new one.
  pool?.raiseLine(settledBelowOf(ledger.summary) - lag);
  const waits = options.seed !== undefined;
  const seedOf = hash32After(runSeed);
  let sequence = settledBelowOf(ledger.summary);
  return {
    next() {
      while (ledger.isSettled(sequence)) sequence += 1;
      const first = sequence * batchSize;
      if (!options.loopOver && first >= seeds.length) return undefined;
      // The pool is given an input's records as the input is committed: every input below the ledger's mark is in it.
      if (pool && waits && ledger.settledBelow < sequence - lag) return 'wait';
      pool?.raiseLine(sequence - lag);
      const planned = sequence;
      sequence += 1;
      const count = options.loopOver ? batchSize : Math.min(batchSize, seeds.length - first);
      return {
        sequence: planned,
        key: `${fingerprint}:${batchSize}:${first % seeds.length}`,
        make: (id): GenerationInput => {
          const seed = seedOf(id);
          // The seed batch, then machine-made records drawn with the input's seed, in one array.
          const examples: DataPoint[] = [];
          for (let index = 0; index < count; index += 1) examples.push(seeds[(first + index) % seeds.length]!);
          pool?.draw(options.machineBatchSize, seededRandom(seed), examples);
          return { task_name: options.name, is_seed: false, examples, seed };
        },
      };
    },
    settled: (settledSequence, records, texts) => pool?.add(settledSequence, records, texts),
    positionOf: (at) => ({ iter_index: 0, row_index: (at * batchSize) % seeds.length }),
    close: () => undefined,
  };
}
