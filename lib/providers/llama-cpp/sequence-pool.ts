import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';

/**
 * Hands out the sequences of one context, one per call, fresh each time (no state leaks from one call into
 * the next); a call finding none free waits its turn, and an abort while waiting rejects with the reason.
 */
export class SequencePool {
  private readonly waiting = new Set<() => void>();

  constructor(private readonly context: LlamaContext) {}

  async acquire(signal: AbortSignal): Promise<LlamaContextSequence> {
    while (this.context.sequencesLeft === 0) await this.turn(signal);
    signal.throwIfAborted();
    return this.context.getSequence();
  }

  /** Frees the sequence's slot (and its KV cache), then wakes the next waiting call. */
  async release(sequence: LlamaContextSequence): Promise<void> {
    await sequence.dispose();
    const [next] = this.waiting;
    next?.();
  }

  private turn(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        this.waiting.delete(wake);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.waiting.delete(wake);
        reject(signal.reason);
      };
      this.waiting.add(wake);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
