import { RxdgtError, instanceGuard } from './rxdgt-error.ts';

const marker = Symbol.for('rxdgt.error.EngineUnreachableError');

/** No language model answers at a block's endpoint: the run cannot start. */
export class EngineUnreachableError extends RxdgtError {
  protected readonly [marker] = true;
  readonly block: string;
  readonly url: string;

  constructor(options: { block: string; provider: string; url: string; cause?: unknown }) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      `cannot reach the ${options.provider} engine of block \`${options.block}\` at ${options.url}${reason}. ` +
        'Start it, or point the block elsewhere with --config-path (e.g. `type: openai`, `base_url: http://127.0.0.1:8000/v1`)' +
        (options.provider === 'ollama' ? ' or the OLLAMA_HOST environment variable.' : ' or the OPENAI_BASE_URL environment variable (when the block sets no base_url).'),
      { cause: options.cause },
    );
    this.block = options.block;
    this.url = options.url;
  }

  static override isInstance = instanceGuard<EngineUnreachableError>(marker);
}
