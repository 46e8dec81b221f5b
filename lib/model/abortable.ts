import { Observable } from 'rxjs';

/**
 * Starts a promise-returning call with its own AbortController and tells how it ended: `onValue` with its value,
 * or `onError` with its failure (a synchronous throw too). The returned function aborts the call while it is
 * pending, and does nothing once it settled. The form of {@link fromAbortable} for middleware that drives one call
 * without an Observable of its own (the call policy: one Observable per attempt, not one per layer).
 *
 * ## Example
 * ```ts
 * const abort = startAbortable((signal) => fetch('http://127.0.0.1:11434/api/version', { signal }), (response) => response.status, () => undefined);
 * abort(); // the request is aborted, unless it had already answered
 * ```
 */
export function startAbortable<T>(call: (signal: AbortSignal) => Promise<T>, onValue: (value: T) => void, onError: (error: unknown) => void): () => void {
  const controller = new AbortController();
  let settled = false;
  let answer: Promise<T>;
  try {
    answer = call(controller.signal);
  } catch (error) {
    settled = true;
    onError(error);
    return () => undefined;
  }
  answer.then(
    (value) => {
      settled = true;
      onValue(value);
    },
    (error: unknown) => {
      settled = true;
      onError(error);
    },
  );
  return () => {
    if (!settled) controller.abort();
  };
}

/**
 * Runs a promise-returning call inside an Observable that owns its AbortController: unsubscribing while
 * the call is pending aborts it (R6). Never wrap a model call in `from(promise)`: that cannot cancel.
 */
export function fromAbortable<T>(call: (signal: AbortSignal) => Promise<T>): Observable<T> {
  return new Observable<T>((subscriber) =>
    startAbortable(
      call,
      (value) => {
        subscriber.next(value);
        subscriber.complete();
      },
      (error) => subscriber.error(error),
    ),
  );
}
