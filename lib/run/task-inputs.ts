import type { DataPoint, Fields } from '../record.ts';

/**
 * The input of one generation attempt: a batch in DGT's sense (the next `seed_batch_size` seeds, in order and
 * looping, plus up to `machine_batch_size` records this task already made). A builder makes a record from it,
 * usually by picking in-context examples from `examples`.
 */
export interface GenerationInput {
  readonly task_name: string;
  readonly is_seed: false;
  readonly examples: readonly DataPoint[];
  /**
   * A seed for the builder's own draws (which examples to show): a function of the run's seed and the input id.
   * Draw with `seededRandom(input.seed)` and a seeded run repeats them exactly.
   */
  readonly seed: number;
}

/** Marks a plain object from a task file as a seed record of the task. */
export function asSeed(taskName: string, fields: Fields): DataPoint {
  return { ...fields, task_name: taskName, is_seed: true };
}
