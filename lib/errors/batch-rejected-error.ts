import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.BatchRejectedError');

/**
 * A provider refused a whole batch (its input file: a malformed line, a model it does not serve, a file too large):
 * no request of it will be answered, so the run ends (exit 1) rather than reject every record. The message names
 * the batch and gives the provider's own words; what was settled before stays committed.
 */
export class BatchRejectedError extends RxdgtError {
  protected readonly [marker] = true;
  /** The provider's batch id; undefined when the provider refused the upload before making a batch. */
  readonly batchId: string | undefined;

  constructor(target: string, batchId: string | undefined, providerMessage: string, options: { cause?: unknown } = {}) {
    const which = batchId === undefined ? 'a batch upload' : `batch ${batchId}`;
    super(`${target}: ${which} was rejected by the provider: ${providerMessage}`, options);
    // A fixed name: minifiers rename classes.
    this.name = 'BatchRejectedError';
    this.batchId = batchId;
  }

  static override isInstance = instanceGuard<BatchRejectedError>(marker);
}
