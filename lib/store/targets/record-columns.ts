import type { OutputRecord } from './record-stream.ts';

/**
 * What a column holds over all records, nulls and missing keys aside: only strings (or nothing at all), only
 * booleans, only safe integers, only numbers, or anything else (objects, arrays, mixed types), kept as JSON.
 */
export type ColumnKind = 'string' | 'boolean' | 'integer' | 'double' | 'json';

/** One top-level key of the records and the kind of its values. */
export interface RecordColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

// One bit per kind of value seen; a column's kind is read from the union of its bits.
const stringBit = 1;
const booleanBit = 2;
const integerBit = 4;
const fractionBit = 8;
const otherBit = 16;

function bitOf(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return stringBit;
    case 'boolean':
      return booleanBit;
    case 'number':
      // -0 is kept as a double: an integer column would write it as 0.
      return Number.isSafeInteger(value) && !Object.is(value, -0) ? integerBit : fractionBit;
    default:
      return value === null || value === undefined ? 0 : otherBit;
  }
}

function kindOf(bits: number): ColumnKind {
  if (bits === 0 || bits === stringBit) return 'string';
  if (bits === booleanBit) return 'boolean';
  if (bits === integerBit) return 'integer';
  return (bits & ~(integerBit | fractionBit)) === 0 ? 'double' : 'json';
}

/**
 * The first pass of a columnar writer: the union of the records' top-level keys in first-seen order, each with the
 * kind of its values. Holds one entry per key, never the records.
 */
export async function scanColumns(records: AsyncIterable<OutputRecord>): Promise<RecordColumn[]> {
  const seen = new Map<string, number>();
  for await (const record of records) {
    for (const key of Object.keys(record)) seen.set(key, (seen.get(key) ?? 0) | bitOf(record[key]));
  }
  return Array.from(seen, ([name, bits]) => ({ name, kind: kindOf(bits) }));
}

/**
 * The second pass: a function giving a record's values in column order (undefined where the record lacks the key;
 * a `__proto__` key is read as an own key only). A key the first pass did not see means the stream gave other
 * records the second time: an error, since the file could not hold it.
 */
export function rowReader(columns: readonly RecordColumn[]): (record: OutputRecord) => unknown[] {
  const names = new Set(columns.map((column) => column.name));
  return (record) => {
    for (const key of Object.keys(record)) {
      if (!names.has(key)) throw new Error(`a record has the key \`${key}\`, unseen in the first pass: the record stream changed between passes`);
    }
    return columns.map(({ name }) => (Object.hasOwn(record, name) ? record[name] : undefined));
  };
}
