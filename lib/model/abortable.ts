import type { CallOptions } from './language-model.ts';

/**
 * Call options whose AbortSignal is made on its first read: an AbortController costs a few microseconds, and a
 * model that answers without reading the signal (the offline engines) needs none. `abort()` before any read is
 * remembered, so a signal read later is already aborted, as an eager one would be.
 *
 * ## Example
 * ```ts
 * const options = new OnDemandSignal();
 * options.abort();
 * options.signal.aborted; // true
 * ```
 */
export class OnDemandSignal implements CallOptions {
  private controller: AbortController | undefined;
  // Only `abort` aborts the controller, so this is also whether its signal is aborted.
  private abortRequested = false;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortRequested) this.controller.abort();
    }
    return this.controller.signal;
  }

  /** Whether `abort` was called, without making the signal. */
  get aborted(): boolean {
    return this.abortRequested;
  }

  abort(): void {
    this.abortRequested = true;
    this.controller?.abort();
  }
}

/** Whether the call's signal is aborted; an {@link OnDemandSignal} is asked without making its signal. */
export function isAborted(options: CallOptions): boolean {
  return options instanceof OnDemandSignal ? options.aborted : options.signal.aborted;
}

/**
 * Starts a promise-returning call with its own {@link OnDemandSignal} and tells how it ended: `onValue` with its
 * value, or `onError` with its failure (a synchronous throw too, told in a later microtask as a rejection is: never
 * before this returns). The returned function aborts the call while it is pending, and does nothing once it settled.
 * The one way a model call is started (R6: never `from(promise)`, which cannot cancel): the call policy drives it
 * without an Observable of its own, one Observable per call, not one per layer.
 *
 * ## Example
 * ```ts
 * const abort = startAbortable(({ signal }) => fetch('http://127.0.0.1:11434/api/version', { signal }), (response) => response.status, () => undefined);
 * abort(); // the request is aborted, unless it had already answered
 * ```
 */
export function startAbortable<T>(call: (options: CallOptions) => Promise<T>, onValue: (value: T) => void, onError: (error: unknown) => void): () => void {
  const options = new OnDemandSignal();
  let settled = false;
  let answer: Promise<T>;
  try {
    answer = call(options);
  } catch (error) {
    // Told later, as a rejected promise would be: the caller's set-up (a limiter's slot, admission's) is done by then.
    answer = Promise.reject(error);
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
    if (!settled) options.abort();
  };
}
