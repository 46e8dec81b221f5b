import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.ConfigError');

/**
 * Bad input: a malformed file, an unknown or ill-typed field, a missing seed file, an unknown builder or
 * engine. The message names the file and the field path; the CLI exits with code 2.
 */
export class ConfigError extends RxdgtError {
  protected readonly [marker] = true;
  /** File the problem is in, when it comes from a file. */
  readonly file: string | undefined;
  /** Dotted path of the offending field (`runner_config.num_outputs_to_generate`), when known. */
  readonly field: string | undefined;

  constructor(message: string, options: { file?: string | undefined; field?: string | undefined; cause?: unknown } = {}) {
    // The prefix names the file, then the field within it; without a file the message names the field itself.
    const where = options.file ? [options.file, options.field && `field \`${options.field}\``].filter(Boolean).join(': ') : '';
    super(where ? `${where}: ${message}` : message, { cause: options.cause });
    this.file = options.file;
    this.field = options.field;
  }

  static override isInstance = instanceGuard<ConfigError>(marker);
}
