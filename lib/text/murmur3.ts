import { fourBytesAt } from './four-bytes.ts';

/** A 32-bit number rotated left by `bits`. */
function rotl32(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** murmur3's finalizer: every output bit depends on every input bit. */
function fmix32(value: number): number {
  let mixed = Math.imul(value ^ (value >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/** One four-byte block mixed into the hash's state, as murmur3 does. */
function mixBlock(state: number, block: number): number {
  const mixed = Math.imul(rotl32(Math.imul(block, 0xcc9e2d51), 15), 0x1b873593);
  return (Math.imul(rotl32(state ^ mixed, 13), 5) + 0xe6546b64) | 0;
}

/**
 * MurmurHash3's 32-bit hash (x86_32) of bytes, as an unsigned number: a fast, well-mixed hash for labels and
 * buckets, not for security. The bytes are read four at a time, in place where they start at a multiple of 4 on a
 * little-endian machine, so it costs a fraction of a SHA-256 of a short text; every machine gets the same value.
 *
 * ## Example
 * ```ts
 * murmur3(new TextEncoder().encode('hello')); // 0x248bfa47
 * murmur3(new TextEncoder().encode('hello'), 1); // 0xbb4abcad
 * ```
 */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const blocks = bytes.length >>> 2;
  let state = seed | 0;
  const words = fourBytesAt(bytes);
  if (words) {
    const first = bytes.byteOffset >>> 2;
    for (let block = first; block < first + blocks; block += 1) state = mixBlock(state, words[block]!);
  } else {
    for (let at = 0; at < blocks * 4; at += 4) state = mixBlock(state, bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24));
  }
  // The one to three bytes left, low byte first.
  const tail = blocks * 4;
  let last = 0;
  for (let at = bytes.length - 1; at >= tail; at -= 1) last = (last << 8) | bytes[at]!;
  if (bytes.length > tail) state ^= Math.imul(rotl32(Math.imul(last, 0xcc9e2d51), 15), 0x1b873593);
  return fmix32(state ^ bytes.length);
}
