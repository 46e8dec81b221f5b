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
});
