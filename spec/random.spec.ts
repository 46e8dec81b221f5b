import { describe, expect, test } from 'vitest';
import { fold32, hash32, hash32After, hash32Prefix, hashHex, seededRandom } from '../lib/random.ts';
import { fnv1a64, fnv1a64Continue } from '../lib/text/fnv1a-64.ts';

describe('seededRandom', () => {
  test('repeats its sequence for a seed, in [0, 1)', () => {
    const first = seededRandom(42);
    const second = seededRandom(42);
    const values = Array.from({ length: 100 }, () => first());
    expect(Array.from({ length: 100 }, () => second())).toEqual(values);
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
  });
});

describe('hash32', () => {
  test('stays stable (seeded runs depend on these values never changing)', () => {
    expect(hash32(7, 'a1:b2')).toBe(hash32('7', 'a1:b2'));
    expect(hash32(7, 'a1:b2')).not.toBe(hash32(7, 'a1:b3'));
    expect([hash32(0), hash32('seed', 1), hash32(7, 'a1:b2')]).toEqual([160430424, 4235469673, 848236288]);
  });
});

describe('hash32Prefix', () => {
  test('continued with the last part and folded, is hash32 of all the parts', () => {
    for (const [parts, last] of [[[42], '0-ab'], [[7, 'x'], ''], [['seed', 3], '{"a":1}']] as const) {
      const state = fnv1a64Continue(last, hash32Prefix(...(parts as readonly [string | number, ...(string | number)[]])));
      expect(fold32(state[0]!, state[1]!)).toBe(hash32(...parts, last));
    }
  });
});

describe('hash32After', () => {
  test('is hash32 of the parts and the last one', () => {
    const after = hash32After(42);
    const afterTwo = hash32After('a', 7);
    for (const last of ['', '0-ab', '12-3197c2e75da5', 'こんにちは']) {
      expect(after(last)).toBe(hash32(42, last));
      expect(afterTwo(last)).toBe(hash32('a', 7, last));
    }
  });
});

describe('fold32', () => {
  test('is what hash32 makes of the FNV-1a 64 hash of the joined parts', () => {
    for (const parts of [[7, 'a1:b2'], ['x'], [123456789, 'cbf29ce4:84222325', 3]] as const) {
      const hash = fnv1a64(parts.join('\u0000'));
      expect(fold32(hash[0]!, hash[1]!)).toBe(hash32(...parts));
    }
  });

  test('is an unsigned 32-bit number', () => {
    for (let value = 0; value < 1000; value += 1) {
      const folded = fold32(value * 0x9e3779b1, value);
      expect(Number.isInteger(folded) && folded >= 0 && folded < 2 ** 32).toBe(true);
    }
  });
});

describe('hashHex', () => {
  test('is the leading hex digits of the FNV-1a 64 hash', () => {
    expect(hashHex('foobar', 16)).toBe('85944171f73967e8');
    expect(hashHex('foobar')).toBe('85944171f739');
  });

  test('pads each half to 8 digits (leading zeros kept)', () => {
    let padded = 0;
    for (let index = 0; index < 2000; index += 1) {
      const text = `text ${index}`;
      const [high, low] = fnv1a64(text);
      const expected = high!.toString(16).padStart(8, '0') + low!.toString(16).padStart(8, '0');
      expect(hashHex(text, 16)).toBe(expected);
      expect(hashHex(text, 5)).toBe(expected.slice(0, 5));
      if (high! < 0x10000000 || low! < 0x10000000) padded += 1;
    }
    expect(padded).toBeGreaterThan(0);
  });
});
