import type { OutputRecord, RecordStream } from '../../../lib/store/targets/record-stream.ts';

/**
 * Records covering what a task produces: strings with commas, quotes, newlines and unicode; integers (up to the
 * largest safe one), floats, booleans, nulls, missing keys, nested objects, arrays, and a column of mixed types.
 */
export const variedRecords: readonly OutputRecord[] = [
  { id: 1, text: 'plain', score: 0.5, ok: true, note: null, meta: { a: 1, b: [1, 2] }, tags: ['x', 'y'] },
  { id: 2, text: 'comma, "quoted"\nnew line\r\nand crlf', score: 1e-7, ok: false, tags: [], unicode: 'héllo 🌍 中文' },
  { id: -3, text: '', score: 3, ok: true, meta: null, mixed: 1, note: null },
  { id: 9007199254740991, mixed: 'one', nested: { deep: { deeper: [{ x: null }, 'ü'] } }, unicode: '' },
  { text: 'only text; tab\there', mixed: { k: 'v' }, big: 1e21, tags: [true, null, 2.5] },
];

/** The union of the keys of `records`, in first-seen order. */
export function keysOf(records: readonly OutputRecord[]): string[] {
  return [...new Set(records.flatMap((record) => Object.keys(record)))];
}

/** A record stream over `records`; `passes` counts the calls. */
export function streamOf(records: readonly OutputRecord[]): RecordStream & { passes: number } {
  const stream = Object.assign(
    () => {
      stream.passes += 1;
      return (async function* () {
        yield* records;
      })();
    },
    { passes: 0 },
  );
  return stream;
}

/** A stream of `count` generated records, never held in an array. */
export function generatedStream(count: number, make: (index: number) => OutputRecord): RecordStream {
  return async function* () {
    for (let index = 0; index < count; index += 1) yield make(index);
  };
}

/** A stream that yields `before` records, then throws `error`, on its pass number `failingPass` (1-based). */
export function failingStream(records: readonly OutputRecord[], before: number, error: Error, failingPass = 1): RecordStream {
  let pass = 0;
  return () => {
    pass += 1;
    const fails = pass === failingPass;
    return (async function* () {
      for (const [index, record] of records.entries()) {
        if (fails && index === before) throw error;
        yield record;
      }
    })();
  };
}
