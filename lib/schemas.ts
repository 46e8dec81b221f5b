import { type SchedulerLike, asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { instanceGuard } from './errors/rxdgt-error.ts';
import type { Engine } from './model/engine.ts';

// Zod guards shared by the factories' config schemas, so every factory words the same mistake the same way.

/** A function; the output type is the caller's, since zod cannot check a signature. */
export function functionSchema<T>(message = 'expected a function') {
  return z.custom<T>((value) => typeof value === 'function', message);
}

/** A scheduler (anything with `now()`); defaults to `asyncScheduler`. */
export const schedulerSchema = z
  .custom<SchedulerLike>((value) => typeof (value as SchedulerLike | undefined)?.now === 'function', 'expected a scheduler (asyncScheduler, TestScheduler, ...)')
  .default(asyncScheduler);

/** A source of numbers in [0, 1); defaults to `Math.random`. */
export const randomSchema = functionSchema<() => number>().default(() => Math.random);

/**
 * The brand every {@link Engine} carries. A `Symbol.for` key, as the errors use, so an engine made by a second copy of
 * the package still passes; it also keeps this file free of a runtime import of `engine.ts`, which imports it.
 */
export const engineMarker = Symbol.for('rxdgt.Engine');

/** An {@link Engine}, as `createEngine` makes it. */
export const engineSchema = z.custom<Engine>(instanceGuard<Engine>(engineMarker), 'expected an Engine (createEngine)');
