import { describe, expect, test } from 'vitest';
import { Shingler, jaccard, mix32, shingleHashes } from '../../lib/text/shingle-hashes.ts';

const sorted = (hashes: Uint32Array) => [...hashes].every((hash, i, all) => i === 0 || all[i - 1]! < hash);

describe('shingleHashes', () => {
  test('one distinct hash per run of `size` tokens, ascending', () => {
    const hashes = shingleHashes('the cat sat on the mat', 3);
    expect(hashes).toHaveLength(4);
    expect(sorted(hashes)).toBe(true);
    expect(shingleHashes('a b a b a b', 2)).toHaveLength(2); // 'a b' and 'b a'
    expect(shingleHashes('the cat sat on the mat', 1)).toHaveLength(5); // 'the' once
  });

  test('reads tokens as tokenize does: case and punctuation do not count, token boundaries do', () => {
    expect(shingleHashes('The CAT, sat!', 3)).toEqual(shingleHashes('the cat sat', 3));
    expect(shingleHashes('ab c d', 3)).not.toEqual(shingleHashes('a bc d', 3));
    expect(shingleHashes('a b c', 3)).not.toEqual(shingleHashes('c b a', 3));
  });

  test('hashes ASCII text scanned in place the same as text that goes through the Unicode tokenizer', () => {
    // The emoji sends the text down the Unicode path; it is not a token, so the shingles are the same.
    expect(shingleHashes('the cat sat on the mat 🙂', 3)).toEqual(shingleHashes('the cat sat on the mat', 3));
    expect(shingleHashes('Ｔｈｅ cat sat', 3)).toEqual(shingleHashes('the cat sat', 3));
  });

  test('shingles any script: Han and kana letter by letter', () => {
    expect(shingleHashes('今日はいい天気', 3)).toHaveLength(5);
    expect(shingleHashes('今日は、いい天気！', 3)).toEqual(shingleHashes('今日はいい天気', 3));
  });

  test('a text shorter than `size` is one shingle; a text without tokens is one shingle of its raw string', () => {
    expect(shingleHashes('hello world', 3)).toHaveLength(1);
    expect(shingleHashes('hello world', 3)).not.toEqual(shingleHashes('world hello', 3));
    expect(shingleHashes('?!', 3)).toHaveLength(1);
    expect(shingleHashes('?!', 3)).not.toEqual(shingleHashes('...', 3));
    expect(shingleHashes('', 3)).toHaveLength(1);
  });
});

describe('Shingler', () => {
  test('reuses its buffer and grows it for long texts', () => {
    const shingler = new Shingler(2);
    const long = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' ');
    expect(shingler.read(long)).toBe(999);
    expect(shingler.read('a b c')).toBe(2);
    expect(shingler.hashes.slice(0, 2)).toEqual(shingleHashes('a b c', 2));
  });

  test('refuses a size below 1', () => {
    expect(() => new Shingler(0)).toThrow(RangeError);
    expect(() => new Shingler(1.5)).toThrow(/integer >= 1/);
  });
});

describe('jaccard and mix32', () => {
  test('jaccard of ascending sets, optionally of a prefix of the first', () => {
    expect(jaccard([1, 2, 3, 4], [2, 3, 4, 5])).toBe(3 / 5);
    expect(jaccard([1, 2, 3, 99], [1, 2, 3], 3)).toBe(1);
    expect(jaccard([], [])).toBe(1);
    expect(jaccard([1], [])).toBe(0);
  });

  test('mix32 gives distinct unsigned 32-bit integers for distinct small inputs', () => {
    const values = new Set(Array.from({ length: 1000 }, (_, i) => mix32(i)));
    expect(values.size).toBe(1000);
    expect([...values].every((value) => value >= 0 && value < 2 ** 32 && Number.isInteger(value))).toBe(true);
  });
});
