import type { BatchLimits } from './batch-api.ts';

/**
 * Splits gathered requests into batches a provider takes: at most `limits.maxRequests` lines and `limits.maxBytes`
 * bytes (each line's UTF-8 bytes and its newline) per batch, in order. A line larger than `maxBytes` on its own
 * goes alone (the provider then refuses that batch, and says why).
 *
 * ## Example
 * ```ts
 * batchChunks([{ text: 'aaaa' }, { text: 'bb' }, { text: 'c' }], { maxRequests: 2, maxBytes: 100 }, (item) => item.text);
 * // [[{ text: 'aaaa' }, { text: 'bb' }], [{ text: 'c' }]]
 * ```
 */
export function batchChunks<T>(items: readonly T[], limits: BatchLimits, textOf: (item: T) => string): T[][] {
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = Buffer.byteLength(textOf(item)) + 1;
    if (chunk.length > 0 && (chunk.length >= limits.maxRequests || bytes + size > limits.maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(item);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
