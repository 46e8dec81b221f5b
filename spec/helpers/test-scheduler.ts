import { TestScheduler } from 'rxjs/testing';
import { beforeEach, expect } from 'vitest';

/**
 * Registers a `beforeEach` that creates a new marble-test scheduler whose assertion is vitest's `toEqual`
 * (R15), and returns the current test's scheduler. Call it inside a `describe`, and the result inside a test.
 */
export function useTestScheduler(): () => TestScheduler {
  let current: TestScheduler | undefined;
  beforeEach(() => {
    current = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });
  return () => {
    if (current === undefined) throw new Error('useTestScheduler: the scheduler exists only inside a test');
    return current;
  };
}
