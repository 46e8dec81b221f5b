/** Whether this machine stores a number's low byte first: then four bytes are read as one number in place. */
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The small buffer (up to 64 KiB) last hashed and a view of it four bytes at a time: most calls hash bytes of one
 * scratch buffer, so the view is made once. A larger buffer gets a view of its own, not kept.
 */
const viewedMaxBytes = 64 * 1024;
let viewed: ArrayBufferLike | undefined;
let view: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

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
  if (littleEndian && bytes.byteOffset % 4 === 0) {
    let words = view;
    // A view made for this buffer, unless the buffer is another, or was resized since (a resizable one).
    if (bytes.buffer !== viewed || (bytes.byteOffset >>> 2) + blocks > words.length) {
      words = new Uint32Array(bytes.buffer, 0, bytes.buffer.byteLength >>> 2);
      if (bytes.buffer.byteLength <= viewedMaxBytes) {
        viewed = bytes.buffer;
        view = words;
      }
    }
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
