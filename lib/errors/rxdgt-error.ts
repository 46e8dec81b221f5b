const marker = Symbol.for('rxdgt.error');

/**
 * Base of every error rxdgt throws. `RxdgtError.isInstance` works across duplicate copies of the
 * package, where `instanceof` would not.
 */
export class RxdgtError extends Error {
  protected readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  static isInstance(error: unknown): error is RxdgtError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** Builds the `isInstance` guard of one error class from its own `Symbol.for` marker. */
export function instanceGuard<T>(symbol: symbol): (error: unknown) => error is T {
  return (error: unknown): error is T => typeof error === 'object' && error !== null && symbol in error;
}
