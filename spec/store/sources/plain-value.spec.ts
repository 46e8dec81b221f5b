import { describe, expect, test } from 'vitest';
import { toPlainRecord, toPlainValue } from '../../../lib/store/sources/plain-value.ts';

describe('toPlainValue', () => {
  test('BigInt: a number when safe, else a decimal string', () => {
    expect(toPlainValue(42n)).toBe(42);
    expect(toPlainValue(BigInt(Number.MAX_SAFE_INTEGER))).toBe(Number.MAX_SAFE_INTEGER);
    expect(toPlainValue(BigInt(Number.MAX_SAFE_INTEGER) + 1n)).toBe('9007199254740992');
    expect(toPlainValue(-(2n ** 70n))).toBe('-1180591620717411303424');
  });

  test('Date → ISO string (an invalid date → null); Uint8Array → base64', () => {
    expect(toPlainValue(new Date(Date.UTC(2020, 1, 29)))).toBe('2020-02-29T00:00:00.000Z');
    expect(toPlainValue(new Date(Number.NaN))).toBeNull();
    expect(toPlainValue(new Uint8Array([0xde, 0xad, 0xbe, 0xef]))).toBe('3q2+7w==');
    expect(toPlainValue(new Uint8Array([1, 2, 3, 4]).subarray(1, 3))).toBe('AgM=');
  });

  test('arrays, typed arrays, maps and objects are converted item by item', () => {
    expect(toPlainValue([1n, { at: new Date(0) }, null])).toEqual([1, { at: '1970-01-01T00:00:00.000Z' }, null]);
    expect(toPlainValue(new Float32Array([0.5, 2]))).toEqual([0.5, 2]);
    expect(toPlainValue(new BigInt64Array([3n]))).toEqual([3]);
    expect(toPlainValue(new Map([[1, 2n]]))).toEqual({ 1: 2 });
    expect(toPlainRecord({ a: { b: [new Uint8Array([255])] }, s: 'x', n: 1, t: true })).toEqual({ a: { b: ['/w=='] }, s: 'x', n: 1, t: true });
  });
});
