import { type MonoTypeOperatorFunction, type SchedulerLike, defer, filter, interval, takeUntil, takeWhile, tap } from 'rxjs';
import { z } from 'zod';
import { parseConfig } from '../lib/parse-config.ts';
import type { Outcome } from '../lib/record.ts';
import { type StopCriterion, windowsOf } from '../lib/run/stop-criteria.ts';
import { type TaskProgress, advanceProgress, initialProgress } from '../lib/run/task-progress.ts';
import { functionSchema, schedulerSchema } from '../lib/schemas.ts';

/** Options of {@link stopWhen}. */
export interface StopWhenConfig<T = unknown> {
  /** Called once with the criterion that fired and the final progress. */
  readonly onStop?: (criterion: StopCriterion, progress: TaskProgress) => void;
  /** How often time-based criteria are checked when no outcome arrives, in ms. @default 1000 */
  readonly checkEveryMs?: number;
  /** Clock and timer source. @default asyncScheduler */
  readonly scheduler?: SchedulerLike;
  /**
   * Reads the progress off each value, for a stream that carries its own (a task counts settled inputs, not
   * outcomes). It must keep the windows the criteria read (`initialProgress(now, 0, windowsOf(criteria))`).
   * @default counts the stream's outcomes: each one is one input
   */
  readonly progress?: (value: T) => TaskProgress;
}

const configSchema = z.object({
  criteria: z.array(z.custom<StopCriterion>((value) => typeof value === 'function' && typeof (value as StopCriterion).reason === 'string', 'expected a stop criterion (isRecordCount, ...)')).min(1),
  onStop: functionSchema<NonNullable<StopWhenConfig['onStop']>>().optional(),
  checkEveryMs: z.number().gt(0).default(1000),
  scheduler: schedulerSchema,
  progress: functionSchema<(value: unknown) => TaskProgress>().optional(),
});

/**
 * Completes the task once any criterion holds, `takeWhile`-style and inclusive: the outcome that tips a
 * criterion is still emitted. Completing unsubscribes upstream, which aborts in-flight LM calls.
 *
 * Criteria are checked after every outcome and every `checkEveryMs` (so a time limit fires on a quiet
 * stream too). Restored outcomes count as accepted records. The progress keeps the windows the criteria name
 * (acceptance and scores of the latest outcomes, for `hasAcceptanceRateBelow` and `hasMeanScoreBelow`).
 *
 * ## Example
 * ```ts
 * import { stopWhen, isRecordCount, isStalled } from 'rxdgt';
 * outcomes$.pipe(stopWhen([isRecordCount(100), isStalled(100)], { onStop: (c) => console.log(c.reason) }));
 * // 'complete' once 100 records are accepted
 * ```
 *
 * @see isRecordCount @see isTimeElapsed @see isStalled @see hasFailureRate @see hasAcceptanceRateBelow @see hasMeanScoreBelow @see isMisconfigured
 * @param criteria One criterion or several; any one stops.
 * @param config Callback and clock.
 * @returns An operator that passes outcomes through until a criterion holds.
 * @throws {ConfigError} When a criterion or option is invalid, at the factory call.
 */
export function stopWhen<T>(criteria: StopCriterion | readonly StopCriterion[], config: StopWhenConfig<T> & { readonly progress: (value: T) => TaskProgress }): MonoTypeOperatorFunction<T>;
export function stopWhen<T>(criteria: StopCriterion | readonly StopCriterion[], config?: StopWhenConfig<Outcome<T>>): MonoTypeOperatorFunction<Outcome<T>>;
export function stopWhen<T>(criteria: StopCriterion | readonly StopCriterion[], config: StopWhenConfig<T> = {}): MonoTypeOperatorFunction<T> {
  const parsed = parseConfig('stopWhen', configSchema, { ...config, criteria: Array.isArray(criteria) ? criteria : [criteria] });
  const { scheduler } = parsed;
  const read = parsed.progress as ((value: T) => TaskProgress) | undefined;
  return (source) =>
    defer(() => {
      let progress = initialProgress(scheduler.now(), 0, windowsOf(parsed.criteria));
      let stopped = false;
      const holds = (): boolean => {
        if (stopped) return true;
        const fired = parsed.criteria.find((criterion) => criterion(progress));
        if (!fired) return false;
        stopped = true;
        parsed.onStop?.(fired, progress);
        return true;
      };
      const timeUp = interval(parsed.checkEveryMs, scheduler).pipe(
        filter(() => {
          progress = { ...progress, now: scheduler.now() };
          return holds();
        }),
      );
      return source.pipe(
        tap((value) => {
          progress = read ? read(value) : advanceProgress(progress, value as Outcome<unknown>, scheduler.now());
        }),
        takeWhile(() => !holds(), true),
        takeUntil(timeUp),
      );
    });
}
