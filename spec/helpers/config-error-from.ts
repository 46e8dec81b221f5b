import { ConfigError } from '../../lib/errors/config-error.ts';

/** The ConfigError `make` throws (fails when it throws none, and rethrows any other error); `what` says what it made. */
export function configErrorFrom(make: () => unknown, what: string): ConfigError {
  try {
    make();
  } catch (error) {
    if (ConfigError.isInstance(error)) return error;
    throw error;
  }
  throw new Error(`${what} threw no ConfigError`);
}
