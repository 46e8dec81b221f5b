import type { DataPoint, Fields } from '../record.ts';
import type { TaskStore } from '../store/task-store.ts';
import { SeedLoader, asSeed } from './task-inputs.ts';
import type { ParsedTaskOptions } from './task-options.ts';

/** Where a task's inputs come from, and how many may be in flight. */
export interface InputPlan {
  /** The seed loader of a generation task; its position is saved when the task ends. */
  readonly loader?: SeedLoader;
  /** Next input, or undefined once the input is exhausted (transformation). */
  next(): object | undefined;
  /** How many more inputs may start now, given the records accepted so far and the inputs in flight. */
  room(acceptedSoFar: number, inFlight: number): number;
}

/**
 * Prepares a task's inputs from its files, with the records an earlier run made (replayed through the
 * pipeline before any input, so stateful blocks rebuild their state). A transformation starts over (DGT: an M→N pass cannot resume
 * safely). A generation task resumes unless told to restart: its records and seed position come back from
 * disk, and it never starts more inputs than the records it still needs.
 */
export async function planInputs(options: ParsedTaskOptions, store: TaskStore): Promise<{ readonly restored: DataPoint[]; readonly plan: InputPlan }> {
  if (options.kind === 'transformation') {
    await store.clear();
    let index = 0;
    const plan: InputPlan = {
      next: () => (index < options.data.length ? asSeed(options.name, options.data[index++] as Fields) : undefined),
      room: (_acceptedSoFar, inFlight) => options.concurrency - inFlight,
    };
    return { restored: [], plan };
  }
  if (options.restart) await store.clear();
  const [restored, position] = options.restart ? [[] as DataPoint[], 0] : await Promise.all([store.readData(), store.readSeedPosition()]);
  const seeds = options.seeds.map((seed) => asSeed(options.name, seed));
  const loader = new SeedLoader(options.name, seeds, options.seedBatchSize ?? Math.min(100, seeds.length), options.machineBatchSize, position, options.random);
  const target = options.numOutputsToGenerate;
  const plan: InputPlan = {
    loader,
    next: () => loader.next(),
    room: (acceptedSoFar, inFlight) => Math.min(options.concurrency - inFlight, target - acceptedSoFar - inFlight),
  };
  return { restored, plan };
}
