/**
 * A decoded Parquet or Arrow value made JSON-friendly: a BigInt becomes a number when it is a safe integer, else a
 * decimal string; a Date becomes an ISO string (an invalid one null); a Uint8Array becomes a base64 string; other
 * typed arrays, arrays and objects are converted item by item into plain arrays and objects.
 *
 * ## Example
 * ```ts
 * toPlainValue({ id: 7n, big: 2n ** 64n, at: new Date(0), raw: new Uint8Array([1, 2]) });
 * // { id: 7, big: '18446744073709551616', at: '1970-01-01T00:00:00.000Z', raw: 'AQI=' }
 * ```
 */
export function toPlainValue(value: unknown): unknown {
  if (typeof value === 'bigint') return value >= minSafe && value <= maxSafe ? Number(value) : value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toPlainValue);
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<unknown>, toPlainValue);
  if (value instanceof Map) return Object.fromEntries([...value].map(([key, item]) => [String(key), toPlainValue(item)]));
  return toPlainRecord(value as Record<string, unknown>);
}

/** Each own enumerable field of `row` through {@link toPlainValue}. */
export function toPlainRecord(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(row)) record[key] = toPlainValue(item);
  return record;
}

const maxSafe = BigInt(Number.MAX_SAFE_INTEGER);
const minSafe = -maxSafe;
