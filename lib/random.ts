import { fnv1a64, fnv1a64Continue } from './text/fnv1a-64.ts';

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

const scratch = new Uint32Array(2);

/**
 * A 32-bit number derived from the parts: FNV-1a 64 of their joined text, both halves folded and mixed (murmur3's
 * finalizer), so every bit depends on every input bit. For seeds per input and priorities in samples: not a
 * cryptographic hash, and it need not be.
 */
export function hash32(...parts: readonly (string | number)[]): number {
  fnv1a64(parts.join('\u0000'), scratch);
  return fold32(scratch[0]!, scratch[1]!);
}

/**
 * `hash32(first, ...rest, last)` for many a `last` after the same parts: their share of the hash is made once.
 *
 * @example hash32After(42)('0-ab') === hash32(42, '0-ab') // true
 */
export function hash32After(first: string | number, ...rest: readonly (string | number)[]): (last: string) => number {
  const prefix = hash32Prefix(first, ...rest);
  const hash = new Uint32Array(2);
  return (last) => {
    hash.set(prefix);
    fnv1a64Continue(last, hash);
    return fold32(hash[0]!, hash[1]!);
  };
}

/**
 * The FNV-1a 64 state ([high, low]) of `hash32`'s text up to a part that follows these: for a caller that goes on with
 * `fnv1a64Continue` (as {@link hash32After} does) and ends with {@link fold32}.
 *
 * @example const state = fnv1a64Continue('0-ab', hash32Prefix(42)); fold32(state[0]!, state[1]!) === hash32(42, '0-ab') // true
 */
export function hash32Prefix(first: string | number, ...rest: readonly (string | number)[]): Uint32Array {
  return fnv1a64(`${[first, ...rest].join('\u0000')}\u0000`);
}

/**
 * The 32-bit number `hash32` makes of a 64-bit hash given as [high, low] halves: folded and mixed (murmur3's
 * finalizer). For a caller that hashed the joined parts itself (`fnv1a64Continue` from a common prefix).
 */
export function fold32(high: number, low: number): number {
  let mixed = low ^ Math.imul(high, 0x9e3779b1);
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/** The first `length` (at most 16) hex digits of the FNV-1a 64 hash of `text`. */
export function hashHex(text: string, length = 12): string {
  fnv1a64(text, scratch);
  return (hex32(scratch[0]!) + hex32(scratch[1]!)).slice(0, length);
}

/** The two hex digits of each byte. */
const byteHex = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * The 8 hex digits of an unsigned 32-bit number, by bytes (`toString(16)` costs V8 a runtime call).
 *
 * @example hex32(0x248bfa47) // '248bfa47'
 * @example hex32(255) // '000000ff'
 */
export function hex32(value: number): string {
  return byteHex[value >>> 24]! + byteHex[(value >>> 16) & 0xff]! + byteHex[(value >>> 8) & 0xff]! + byteHex[value & 0xff]!;
}
