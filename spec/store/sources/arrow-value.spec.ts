import { Binary, DateDay, Dictionary, Field, Float64, Int32, Int64, List, Map_, Struct, TimestampMicrosecond, TimestampMillisecond, Utf8 } from 'apache-arrow';
import { vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { arrowValue } from '../../../lib/store/sources/arrow-value.ts';

describe('arrowValue', () => {
  test('timestamps and dates (epoch milliseconds in Arrow) become ISO strings', () => {
    expect(arrowValue(0, new TimestampMillisecond())).toBe('1970-01-01T00:00:00.000Z');
    const micro = vectorFromArray([new Date(Date.UTC(2024, 0, 2, 3))], new TimestampMicrosecond());
    expect(arrowValue(micro.get(0), micro.type)).toBe('2024-01-02T03:00:00.000Z');
    const day = vectorFromArray([new Date(Date.UTC(2024, 0, 2))], new DateDay());
    expect(arrowValue(day.get(0), day.type)).toBe('2024-01-02T00:00:00.000Z');
  });

  test('structs, lists and maps become plain objects and arrays, converted all the way down', () => {
    const struct = new Struct([new Field('n', new Int64()), new Field('tags', new List(new Field('item', new Utf8())))]);
    const vector = vectorFromArray([{ n: 2n ** 60n, tags: ['a', 'b'] }], struct);
    expect(arrowValue(vector.get(0), struct)).toEqual({ n: '1152921504606846976', tags: ['a', 'b'] });
    const map = new Map_(new Field('entries', new Struct<{ key: Utf8; value: Int32 }>([new Field('key', new Utf8()), new Field('value', new Int32())])));
    const maps = vectorFromArray([new Map([['x', 1]])], map);
    expect(arrowValue(maps.get(0), map)).toEqual({ x: 1 });
  });

  test('dictionary values, bytes, numbers and nulls', () => {
    const words = vectorFromArray(['yes', 'no', 'yes'], new Dictionary(new Utf8(), new Int32()));
    expect(arrowValue(words.get(2), words.type)).toBe('yes');
    const bytes = vectorFromArray([new Uint8Array([104, 105])], new Binary());
    expect(arrowValue(bytes.get(0), bytes.type)).toBe('aGk=');
    expect(arrowValue(1.25, new Float64())).toBe(1.25);
    expect(arrowValue(null, new Utf8())).toBeNull();
  });
});
