import { describe, expect, test } from 'vitest';
import { fnv1a64, fnv1a64Continue, fnv1a64ContinueHex, fnv1a64Tokens } from '../../lib/text/fnv1a-64.ts';
import { tokenize } from '../../lib/text/tokenize.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const hex = (hash: Uint32Array): string => hash[0]!.toString(16).padStart(8, '0') + hash[1]!.toString(16).padStart(8, '0');

/** The reference: FNV-1a 64 in BigInt arithmetic, one XOR and multiply per UTF-16 code unit. */
function reference(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = ((hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  return hash.toString(16).padStart(16, '0');
}

/** Random strings of 0 to 40 code units: ASCII, Latin-1, CJK, emoji (surrogate pairs) and lone surrogates. */
function randomStrings(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const ranges: [number, number][] = [[0x20, 0x7f], [0, 0x100], [0x3040, 0x9fff], [0xd800, 0xe000], [0xe000, 0x10000]];
  return Array.from({ length: count }, () => {
    let text = '';
    const length = Math.floor(random() * 41);
    while (text.length < length) {
      if (random() < 0.05) text += String.fromCodePoint(0x1f600 + Math.floor(random() * 80));
      const [from, to] = ranges[Math.floor(random() * ranges.length)]!;
      text += String.fromCharCode(from + Math.floor(random() * (to - from)));
    }
    return text;
  });
}

describe('fnv1a64', () => {
  test('matches the published FNV-1a 64 values for byte strings', () => {
    expect(hex(fnv1a64(''))).toBe('cbf29ce484222325');
    expect(hex(fnv1a64('a'))).toBe('af63dc4c8601ec8c');
    expect(hex(fnv1a64('foobar'))).toBe('85944171f73967e8');
  });

  test('stays stable for texts beyond Latin-1 (these values must never change between versions)', () => {
    expect(hex(fnv1a64('What is the capital of France?'))).toBe('f3be19d1e424be73');
    expect(hex(fnv1a64('こんにちは'))).toBe('928563db134ea99c');
    expect(hex(fnv1a64('\uD800'))).toBe('b03bbd4c8770bfdf');
  });

  test('agrees with a BigInt reference on random strings, surrogates included', () => {
    for (const text of randomStrings(2000, 11)) expect(hex(fnv1a64(text))).toBe(reference(text));
  });

  test('writes into the array it is given and returns it', () => {
    const into = new Uint32Array(2);
    expect(fnv1a64('foobar', into)).toBe(into);
    expect([...into]).toEqual([0x85944171, 0xf73967e8]);
    fnv1a64('a', into); // reuse overwrites
    expect([...into]).toEqual([0xaf63dc4c, 0x8601ec8c]);
  });

  test('tells apart strings an encoding to UTF-8 would merge (lone surrogates)', () => {
    expect(hex(fnv1a64('\uD800'))).not.toBe(hex(fnv1a64('\uD801')));
    expect(hex(fnv1a64('\uD800'))).not.toBe(hex(fnv1a64('\uFFFD')));
  });

  test('gives distinct hashes to 200,000 distinct similar texts', () => {
    const hashes = new Set<string>();
    for (let i = 0; i < 200_000; i++) hashes.add(hex(fnv1a64(`What is the capital of country number ${i}?`)));
    expect(hashes.size).toBe(200_000);
  });
});

describe('fnv1a64Tokens', () => {
  test('hashes the tokens joined by one space', () => {
    for (const text of ['', 'a', "What's the Cat's name?? (v2.0)", 'the cat sat on the mat']) {
      const tokens = tokenize(text);
      expect(hex(fnv1a64Tokens(tokens))).toBe(hex(fnv1a64(tokens.join(' '))));
    }
    expect(hex(fnv1a64Tokens(['what', 's', 'the', 'cat']))).toBe('ebff97789b160e01');
  });

  test('the separator keeps token boundaries: regrouped characters hash differently', () => {
    const variants = [['ab', 'c'], ['a', 'bc'], ['abc'], ['a', 'b', 'c']];
    expect(new Set(variants.map((tokens) => hex(fnv1a64Tokens(tokens)))).size).toBe(variants.length);
  });

  test('writes into the array it is given and returns it', () => {
    const into = new Uint32Array(2);
    expect(fnv1a64Tokens(['foobar'], into)).toBe(into);
    expect([...into]).toEqual([0x85944171, 0xf73967e8]);
  });
});

describe('fnv1a64Continue', () => {
  test('hashing a text in parts gives the hash of the whole', () => {
    for (const text of randomStrings(300, 12)) {
      const cut = Math.floor(text.length / 3);
      expect(hex(fnv1a64Continue(text.slice(cut), fnv1a64(text.slice(0, cut))))).toBe(reference(text));
    }
  });

  test('hashes only the code units from start to end', () => {
    const text = '{"a":1,"rxdgt_id":"0-ab"}';
    expect(hex(fnv1a64Continue('}', fnv1a64Continue(text, fnv1a64(''), 0, 6)))).toBe(reference('{"a":1}'));
    expect(hex(fnv1a64Continue(text, fnv1a64('x'), 2, 2))).toBe(reference('x'));
  });
});

describe('fnv1a64ContinueHex', () => {
  test("hashes the digits value.toString(16) writes, without leading zeros", () => {
    const values = [0, 1, 9, 0xa, 0xf, 0x10, 0xbeef, 0x7fffffff, 0x80000000, 0xffffffff];
    const random = seededRandom(13);
    for (let i = 0; i < 500; i++) values.push(Math.floor(random() * 2 ** 32) >>> Math.floor(random() * 32));
    for (const value of values) expect(hex(fnv1a64ContinueHex(value, fnv1a64('k:')))).toBe(reference(`k:${value.toString(16)}`));
  });
});
