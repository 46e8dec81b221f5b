import { randomFillSync } from 'node:crypto';

/** Ids drawn per refill of the pool: one call to the system's random source per 512 spans, not one per span. */
const idsPerRefill = 512;
const pool = Buffer.alloc(idsPerRefill * 8);
/** The pool as hex, 16 digits per id: one conversion per refill, an id is a slice of it. */
let digits = '';
let next = idsPerRefill;

/**
 * A new span id: 8 random bytes as 16 hex digits (W3C trace context's span id), from a pool refilled 512 ids at a
 * time, turned into hex at once. A traces line per LM call would otherwise pay a random-source call each (about 6 µs),
 * and a conversion to hex each.
 *
 * ## Example
 * ```ts
 * spanId(); // 'c14cefe4bf64c0b6'
 * ```
 */
export function spanId(): string {
  if (next === idsPerRefill) {
    randomFillSync(pool);
    digits = pool.toString('hex');
    next = 0;
  }
  const at = next * 16;
  next += 1;
  return digits.slice(at, at + 16);
}
