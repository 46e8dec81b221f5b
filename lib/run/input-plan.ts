import type { DataPoint, Fields } from '../record.ts';
import type { TaskStore } from '../store/task-store.ts';
import { SeedLoader, asSeed } from './task-inputs.ts';
import type { ParsedTaskOptions } from './task-options.ts';

/** Where a task's inputs come from, and how many may be in flight. */
export interface InputPlan {
  /** Records an earlier run made, replayed through the pipeline before any input. */
  readonly restored: readonly DataPoint[];
  /** The seed loader of a generation task; its position is saved when the task ends. */
  readonly loader?: SeedLoader;
  /** Next input, or undefined once the input is exhausted (transformation). */
  next(): object | undefined;
  /** How many more inputs may start now, given the records accepted so far and the inputs in flight. */
  room(acceptedSoFar: number, inFlight: number): number;
}

/**
 * Prepares a task's inputs from its files. A transformation starts over (DGT: an M→N pass cannot resume
 * safely). A generation task resumes unless told to restart: its records and seed position come back from
 * disk, and it never starts more inputs than the records it still needs.
 */
export async function planInputs(options: ParsedTaskOptions, store: TaskStore): Promise<InputPlan> {
  if (options.kind === 'transformation') {
    await store.clear();
    let index = 0;
    return {
      restored: [],
      next: () => (index < options.data.length ? asSeed(options.name, options.data[index++] as Fields) : undefined),
      room: (_acceptedSoFar, inFlight) => options.concurrency - inFlight,
    };
  }
  if (options.restart) await store.clear();
  const [restored, position] = options.restart ? [[], 0] : await Promise.all([store.readData(), store.readSeedPosition()]);
  const seeds = options.seeds.map((seed) => asSeed(options.name, seed));
  const loader = new SeedLoader(options.name, seeds, options.seedBatchSize ?? Math.min(100, seeds.length), options.machineBatchSize, position, options.random);
  const target = options.numOutputsToGenerate;
  return {
    restored,
    loader,
    next: () => loader.next(),
    room: (acceptedSoFar, inFlight) => Math.min(options.concurrency - inFlight, target - acceptedSoFar - inFlight),
  };
}
