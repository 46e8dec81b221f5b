import { describe, expect, test } from 'vitest';
import { murmur3 } from '../../lib/text/murmur3.ts';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('murmur3', () => {
  test('is MurmurHash3 x86_32: the published values', () => {
    expect(murmur3(utf8(''))).toBe(0);
    expect(murmur3(utf8(''), 1)).toBe(0x514e28b7);
    expect(murmur3(utf8('hello'))).toBe(0x248bfa47);
    expect(murmur3(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    expect(murmur3(utf8('test'), 0x9747b28c)).toBe(0x704b81dc);
    expect(murmur3(utf8('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
    expect(murmur3(utf8('aaaa'), 0x9747b28c)).toBe(0x5a97808a);
    expect(murmur3(utf8('a'), 0x9747b28c)).toBe(0x7fa09ea6);
  });

  test('the same bytes hash the same wherever they start (read in place or byte by byte), whatever their length', () => {
    const text = utf8('Question: Where is Oslo?\nAnswer: Norway. é 中文 😀 and some more words to pass a few blocks');
    for (let length = 0; length <= text.length; length += 1) {
      const expected = murmur3(text.slice(0, length));
      for (let offset = 1; offset < 8; offset += 1) {
        const shifted = new Uint8Array(length + offset);
        shifted.set(text.subarray(0, length), offset);
        expect(murmur3(shifted.subarray(offset), 0)).toBe(expected);
      }
    }
    expect(new Set(Array.from({ length: text.length + 1 }, (_, length) => murmur3(text.slice(0, length)))).size).toBe(text.length + 1);
  });

  test('a resizable buffer hashed again after it grew or shrank is read whole, not through the view made before', () => {
    const text = utf8('Question: Where is Oslo?\nAnswer: Norway, on the Oslofjord, at the head of it.');
    // A resizable buffer (ES2024; this project's types stop at an earlier library).
    const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(length: number): void };
    const buffer = new Resizable(16, { maxByteLength: 1024 });
    new Uint8Array(buffer).set(text.subarray(0, 16));
    expect(murmur3(new Uint8Array(buffer, 0, 16))).toBe(murmur3(text.slice(0, 16)));
    buffer.resize(64);
    new Uint8Array(buffer).set(text.subarray(0, 64));
    expect(murmur3(new Uint8Array(buffer, 0, 64))).toBe(murmur3(text.slice(0, 64)));
    buffer.resize(32);
    expect(murmur3(new Uint8Array(buffer, 4, 28))).toBe(murmur3(text.slice(4, 32)));
  });
});
