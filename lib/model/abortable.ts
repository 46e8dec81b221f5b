import { Observable } from 'rxjs';

/**
 * Runs a promise-returning call inside an Observable that owns its AbortController: unsubscribing while
 * the call is pending aborts it (R6). Never wrap a model call in `from(promise)`: that cannot cancel.
 */
export function fromAbortable<T>(call: (signal: AbortSignal) => Promise<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const controller = new AbortController();
    let settled = false;
    call(controller.signal).then(
      (value) => {
        settled = true;
        subscriber.next(value);
        subscriber.complete();
      },
      (error: unknown) => {
        settled = true;
        subscriber.error(error);
      },
    );
    return () => {
      if (!settled) controller.abort();
    };
  });
}
