import { hash } from 'node:crypto';

/**
 * A deterministic source of numbers in [0, 1) (mulberry32), for draws a run must be able to repeat: the same
 * `seed` gives the same sequence on every machine.
 *
 * ## Example
 * ```ts
 * import { seededRandom } from 'rxdgt';
 * const random = seededRandom(42);
 * [random(), random()]; // the same two numbers on every run
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit number derived from the parts (SHA-1 of their joined text): seeds per input, priorities in samples. */
export function hash32(...parts: readonly (string | number)[]): number {
  return hash('sha1', parts.join('\u0000'), 'buffer').readUInt32BE(0);
}

/** The first `length` hex digits of the SHA-1 of `text`. */
export function hashHex(text: string, length = 12): string {
  return hash('sha1', text, 'hex').slice(0, length);
}
