import type { DataPoint, Fields } from '../record.ts';

/**
 * The input of one generation attempt: a batch in DGT's sense (the next `seed_batch_size` seeds, in
 * order and looping, plus up to `machine_batch_size` records this task already made). A builder makes
 * one record from it, usually by picking in-context examples from `examples`.
 */
export interface GenerationInput {
  readonly task_name: string;
  readonly is_seed: false;
  readonly examples: readonly DataPoint[];
}

/** Draws DGT-style batches: seeds in order (looping) mixed with random machine-made records. */
export class SeedLoader {
  private readonly machine: DataPoint[] = [];

  constructor(
    private readonly taskName: string,
    private readonly seeds: readonly DataPoint[],
    private readonly seedBatchSize: number,
    private readonly machineBatchSize: number,
    /** Position in the seed list; persisted so a resumed run continues where the last one stopped. */
    public position: number,
    private readonly random: () => number,
    /** Most machine records kept for mixing; a reservoir beyond that keeps memory flat. */
    private readonly machinePoolSize = 1000,
  ) {}

  /** Remembers a record this task made, for mixing into later batches (reservoir sampling). */
  addMachine(record: DataPoint, seen: number): void {
    if (this.machineBatchSize === 0) return;
    if (this.machine.length < this.machinePoolSize) this.machine.push(record);
    else {
      const slot = Math.floor(this.random() * seen);
      if (slot < this.machinePoolSize) this.machine[slot] = record;
    }
  }

  next(): GenerationInput {
    const examples: DataPoint[] = [];
    for (let taken = 0; taken < this.seedBatchSize && this.seeds.length > 0; taken += 1) {
      examples.push(this.seeds[this.position % this.seeds.length] as DataPoint);
      this.position = (this.position + 1) % this.seeds.length;
    }
    const machineCount = Math.min(this.machineBatchSize, this.machine.length);
    for (let taken = 0; taken < machineCount; taken += 1) {
      examples.push(this.machine[Math.floor(this.random() * this.machine.length)] as DataPoint);
    }
    return { task_name: this.taskName, is_seed: false, examples };
  }
}

/** Marks a plain object from a task file as a seed record of the task. */
export function asSeed(taskName: string, fields: Fields): DataPoint {
  return { ...fields, task_name: taskName, is_seed: true };
}
