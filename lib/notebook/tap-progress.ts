import { type MonoTypeOperatorFunction, tap } from 'rxjs';
import type { ProgressView } from './progress-view.ts';

/** Options of {@link tapProgress}. */
export interface TapProgressConfig<T> {
  /** Which values count as rejects (a stream of outcomes: `(outcome) => outcome.status === 'rejected'`). @default none: every value is a record */
  readonly rejected?: ((value: T) => boolean) | undefined;
}

/**
 * Feeds a progress view from the values passing through, unchanged: each one a record (or a reject, by `rejected`);
 * the view ends `completed` when the stream completes, `failed` when it errors, `stopped` when unsubscribed before
 * either (a `take` further down).
 *
 * ## Example
 * ```ts
 * import { progressView, tapProgress } from 'rxdgt/notebook';
 * import { lastValueFrom, take, toArray } from 'rxjs';
 * const view = progressView({ title: 'first 5', target: 5 });
 * await lastValueFrom(task.run().pipe(take(5), tapProgress(view), toArray()));
 * // first 5 · completed  5/5 records · 0 rejected · 0.4s
 * ```
 * @see progressView
 * @param view The view to feed.
 * @param config Which values are rejects.
 * @returns An operator that passes every value through.
 */
export function tapProgress<T>(view: ProgressView, config: TapProgressConfig<T> = {}): MonoTypeOperatorFunction<T> {
  const { rejected } = config;
  return tap<T>({
    next: (value) => (rejected?.(value) ? view.reject() : view.record()),
    complete: () => view.end('completed'),
    error: () => view.end('failed'),
    unsubscribe: () => view.end('stopped'),
  });
}
