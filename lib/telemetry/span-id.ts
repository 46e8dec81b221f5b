import { randomFillSync } from 'node:crypto';

/** Ids drawn per refill of the pool: one call to the system's random source per 512 spans, not one per span. */
const idsPerRefill = 512;
const pool = Buffer.alloc(idsPerRefill * 8);
let next = idsPerRefill;

/**
 * A new span id: 8 random bytes as 16 hex digits (W3C trace context's span id), from a pool refilled 512 ids at a
 * time. A traces line per LM call would otherwise pay a random-source call each (about 6 µs).
 *
 * ## Example
 * ```ts
 * spanId(); // 'c14cefe4bf64c0b6'
 * ```
 */
export function spanId(): string {
  if (next === idsPerRefill) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.toString('hex', next * 8, next * 8 + 8);
  next += 1;
  return id;
}
