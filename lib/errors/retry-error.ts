import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.RetryError');

/** A call that failed on every try. Carries each attempt's error; the message names the last. */
export class RetryError extends RxdgtError {
  protected readonly [marker] = true;
  readonly reason: 'max_retries_exceeded' | 'not_retryable';
  readonly errors: readonly unknown[];

  constructor(reason: RetryError['reason'], errors: readonly unknown[]) {
    const last = errors.at(-1);
    const lastMessage = last instanceof Error ? last.message : String(last);
    super(`Failed after ${errors.length} attempts. Last error: ${lastMessage}`, { cause: last });
    this.reason = reason;
    this.errors = errors;
  }

  get lastError(): unknown {
    return this.errors.at(-1);
  }

  static override isInstance = instanceGuard<RetryError>(marker);
}
