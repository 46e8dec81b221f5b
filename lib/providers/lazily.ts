/**
 * A load run on first use and kept (an SDK and its client, say, so that a run that never needs it never pays its
 * start-up); a load that fails is not kept, so the next use tries again.
 *
 * ## Example
 * ```ts
 * const client = lazily(async () => new (await import('@anthropic-ai/sdk')).default({ apiKey: 'k' }));
 * await client(); // loads the SDK once; later calls get the same client
 * ```
 */
export function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    }));
}
