import { describe, expect, test } from 'vitest';
import { ExactTextSet } from '../../lib/text/exact-text-set.ts';

describe('ExactTextSet', () => {
  test('keeps a text unless the same trimmed text is kept; case and inner spacing count', () => {
    const texts = new ExactTextSet();
    expect(texts.admit('What is the capital of France?')).toBeUndefined();
    expect(texts.admit('  What is the capital of France?\n')).toBe(1);
    expect(texts.admit('what is the capital of France?')).toBeUndefined();
    expect(texts.admit('What is  the capital of France?')).toBeUndefined();
    expect(texts.admit('東京')).toBeUndefined();
    expect(texts.admit('東京 ')).toBe(1);
    expect(texts.size).toBe(4);
  });

  test('find looks without keeping; add keeps unchecked; clear forgets', () => {
    const texts = new ExactTextSet();
    expect(texts.find('a')).toBeUndefined();
    texts.add('a');
    texts.add('a');
    expect(texts.size).toBe(1);
    expect(texts.find(' a ')).toBe(1);
    texts.clear();
    expect(texts.size).toBe(0);
    expect(texts.admit('a')).toBeUndefined();
  });

  test('decides as a Set of trimmed strings does, over many texts', () => {
    const texts = new ExactTextSet();
    const reference = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const text = ` text ${i % 7919} `;
      expect(texts.admit(text) === undefined).toBe(!reference.has(text.trim()));
      reference.add(text.trim());
    }
    expect(texts.size).toBe(reference.size);
  });

  test('entries (8-byte hashes) rebuild the kept texts elsewhere, as a shared kept log replays them', () => {
    const texts = new ExactTextSet();
    const entry = texts.entryOf('  What is the capital of France?');
    expect(entry.byteLength).toBe(8);
    expect(texts.entryOf('What is the capital of France?\n')).toEqual(entry);
    expect(texts.entryOf('what is the capital of France?')).not.toEqual(entry);
    const other = new ExactTextSet();
    const inside = new Uint8Array(11);
    inside.set(entry, 3);
    other.addEntry(inside.subarray(3));
    expect(other.find('What is the capital of France?')).toBe(1);
    expect(other.admit('What is the capital of France? ')).toBe(1);
    expect(() => other.addEntry(new Uint8Array(4))).toThrow(/8 bytes, received 4/);
  });
});
