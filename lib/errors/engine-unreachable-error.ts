import { redactUrl } from '../redact-url.ts';
import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.EngineUnreachableError');

/**
 * No language model answers at a block's endpoint: the run cannot start. The URL and the message show no user name
 * or password (`http://***@host`), and a cause whose message holds one is not kept.
 */
export class EngineUnreachableError extends RxdgtError {
  protected readonly [marker] = true;
  readonly block: string;
  /** The endpoint tried, with any user name and password hidden. */
  readonly url: string;

  constructor(options: { block: string; provider: string; url: string; cause?: unknown }) {
    const causeMessage = options.cause instanceof Error ? options.cause.message : undefined;
    const reason = causeMessage === undefined ? undefined : redactUrl(causeMessage);
    const url = redactUrl(options.url);
    super(
      `cannot reach the ${options.provider} engine of block \`${options.block}\` at ${url}${reason === undefined ? '' : `: ${reason}`}. ` +
        'Start it, or point the block elsewhere with --config-path (e.g. `type: openai`, `base_url: http://127.0.0.1:8000/v1`)' +
        (options.provider === 'ollama' ? ' or the OLLAMA_HOST environment variable.' : ' or the OPENAI_BASE_URL environment variable (when the block sets no base_url).'),
      // A cause that quotes credentials (undici's "Request cannot be constructed from a URL that includes credentials") is dropped.
      reason === causeMessage ? { cause: options.cause } : {},
    );
    this.block = options.block;
    this.url = url;
  }

  static override isInstance = instanceGuard<EngineUnreachableError>(marker);
}
