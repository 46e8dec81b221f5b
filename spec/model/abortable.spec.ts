import { describe, expect, test } from 'vitest';
import { OnDemandSignal, isAborted, startAbortable } from '../../lib/model/abortable.ts';
import type { CallOptions } from '../../lib/model/language-model.ts';

/** A promise with its resolve and reject at hand. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('OnDemandSignal', () => {
  test('a signal read after abort() is already aborted, with the AbortError an eager one gets', () => {
    const options = new OnDemandSignal();
    expect(options.aborted).toBe(false);
    options.abort();
    expect(options.aborted).toBe(true);
    expect(options.signal.aborted).toBe(true);
    expect((options.signal.reason as Error).name).toBe('AbortError');
  });

  test('a signal read before abort() is aborted by it, and is the same signal on every read', () => {
    const options = new OnDemandSignal();
    const signal = options.signal;
    expect(signal.aborted).toBe(false);
    options.abort();
    expect(signal.aborted).toBe(true);
    expect(options.signal).toBe(signal);
  });
});

describe('isAborted', () => {
  test('reads plain call options and on-demand ones alike', () => {
    const controller = new AbortController();
    const plain: CallOptions = { signal: controller.signal };
    const onDemand = new OnDemandSignal();
    expect([isAborted(plain), isAborted(onDemand)]).toEqual([false, false]);
    controller.abort();
    onDemand.abort();
    expect([isAborted(plain), isAborted(onDemand)]).toEqual([true, true]);
  });
});

describe('startAbortable', () => {
  test('aborting a pending call aborts the signal it read', async () => {
    const call = pending<string>();
    let seen: AbortSignal | undefined;
    const abort = startAbortable(
      ({ signal }) => {
        seen = signal;
        return call.promise;
      },
      () => undefined,
      () => undefined,
    );
    abort();
    expect(seen?.aborted).toBe(true);
  });

  test('aborting after the call settled does nothing; the value is passed on', async () => {
    const values: string[] = [];
    let options: CallOptions | undefined;
    const abort = startAbortable(
      (given) => {
        options = given;
        return Promise.resolve('answer');
      },
      (value) => values.push(value),
      () => undefined,
    );
    await Promise.resolve();
    abort();
    expect(values).toEqual(['answer']);
    expect(options && isAborted(options)).toBe(false);
  });

  test('a call that throws at once, or rejects, ends through onError', async () => {
    const errors: unknown[] = [];
    startAbortable(
      () => {
        throw new Error('at once');
      },
      () => undefined,
      (error) => errors.push(error),
    );
    startAbortable(
      () => Promise.reject(new Error('later')),
      () => undefined,
      (error) => errors.push(error),
    );
    await Promise.resolve();
    await Promise.resolve();
    expect(errors.map((error) => (error as Error).message)).toEqual(['at once', 'later']);
  });
});
