import { describe, expect, test } from 'vitest';
import { MinHashIndex, bandsFor } from '../../lib/text/minhash-index.ts';
import { jaccard, shingleHashes } from '../../lib/text/shingle-hashes.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

/** Texts of 15 to 45 words over a 400-word vocabulary; a quarter are 1-3 word edits of an earlier text, some re-cased. */
function corpus(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const vocabulary = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}`);
  const word = () => vocabulary[Math.floor(random() * random() * vocabulary.length)]!;
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    if (texts.length > 0 && random() < 0.25) {
      const words = texts[Math.floor(random() * texts.length)]!.split(' ');
      for (let edit = 1 + Math.floor(random() * 3); edit > 0; edit--) {
        const at = Math.floor(random() * words.length);
        if (random() < 0.5) words[at] = word();
        else words.splice(at, 0, word());
      }
      texts.push(random() < 0.2 ? `${words.join(' ').toUpperCase()}!` : words.join(' '));
    } else texts.push(Array.from({ length: 15 + Math.floor(random() * 31) }, word).join(' '));
  }
  return texts;
}

describe('bandsFor', () => {
  test('takes the most rows whose candidate probability at the threshold is still >= 0.99', () => {
    expect(bandsFor(0.8, 64)).toEqual({ bands: 12, rows: 5 });
    expect(bandsFor(0.5, 64)).toEqual({ bands: 32, rows: 2 });
    expect(bandsFor(1, 64)).toEqual({ bands: 1, rows: 64 });
    expect(bandsFor(0.1, 64)).toEqual({ bands: 64, rows: 1 });
    for (const threshold of [0.3, 0.6, 0.75, 0.9, 0.95]) {
      const { bands, rows } = bandsFor(threshold, 128);
      const candidate = (b: number, r: number) => 1 - (1 - threshold ** r) ** b;
      expect(candidate(bands, rows)).toBeGreaterThanOrEqual(0.99);
      expect(bands).toBe(Math.floor(128 / rows));
      expect(candidate(Math.floor(128 / (rows + 1)), rows + 1)).toBeLessThan(0.99);
    }
  });
});

describe('MinHashIndex', () => {
  test('finds a near-duplicate by its exact shingle Jaccard, and keeps different texts', () => {
    const index = new MinHashIndex({ threshold: 0.5 });
    expect(index.admit('the quick brown fox jumps over the lazy dog')).toBeUndefined();
    expect(index.admit('The quick brown fox jumps over the lazy cat!')).toBe(0.75);
    expect(index.lastMatch).toBe(0);
    expect(index.admit('a completely different sentence')).toBeUndefined();
    expect(index.lastMatch).toBe(-1);
    expect(index.size).toBe(2);
  });

  test('every drop is a true near-duplicate of the kept text it names, and nearly all true ones are dropped', () => {
    const threshold = 0.7;
    const texts = corpus(3000, 12);
    const index = new MinHashIndex({ threshold });
    const keptTexts: string[] = [];
    const kept: Uint32Array[] = [];
    let trueDuplicates = 0;
    let caught = 0;
    for (const text of texts) {
      const shingles = shingleHashes(text, 3);
      const isDuplicate = kept.some((other) => jaccard(shingles, other) >= threshold);
      const found = index.admit(text);
      if (found !== undefined) {
        const matched = shingleHashes(keptTexts[index.lastMatch]!, 3);
        expect(jaccard(shingles, matched)).toBe(found);
        expect(found).toBeGreaterThanOrEqual(threshold);
      } else {
        kept.push(shingles);
        keptTexts.push(text);
      }
      if (isDuplicate) {
        trueDuplicates++;
        if (found !== undefined) caught++;
      }
    }
    // Guard against a vacuous test, then the recall the bands promise (>= 0.99 at the threshold, more above).
    expect(trueDuplicates).toBeGreaterThan(200);
    expect(caught / trueDuplicates).toBeGreaterThanOrEqual(0.97);
  });

  test('always finds exact duplicates, whatever their case and punctuation', () => {
    const index = new MinHashIndex({ threshold: 0.9 });
    const texts = corpus(2000, 3).filter((_, i) => i % 2 === 0);
    for (const text of texts) index.add(text);
    // Found every time (the text found may be another near-duplicate of it, kept too: `add` does not check).
    for (const text of texts) expect(index.find(`  ${text.toUpperCase()}?!`)).toBeGreaterThanOrEqual(0.9);
    const fresh = new MinHashIndex({ threshold: 0.9 });
    fresh.add(texts[0]!);
    expect(fresh.find(`${texts[0]!.toUpperCase()}?!`)).toBe(1);
  });

  test('verifies texts longer than the signature by their estimated Jaccard', () => {
    const random = seededRandom(4);
    const words = Array.from({ length: 300 }, () => `v${Math.floor(random() * 1e6)}`);
    const index = new MinHashIndex({ threshold: 0.8, permutations: 64 });
    expect(index.admit(words.join(' '))).toBeUndefined();
    expect(index.find(words.join(' '))).toBe(1);
    const edited = words.slice();
    edited[150] = 'changed';
    const estimate = index.find(edited.join(' '));
    expect(estimate).toBeGreaterThanOrEqual(0.8);
    expect(Math.abs(estimate! - jaccard(shingleHashes(edited.join(' '), 3), shingleHashes(words.join(' '), 3)))).toBeLessThan(0.1);
    expect(index.find(words.slice().reverse().join(' '))).toBeUndefined();
  });

  test('reads any script: Japanese sentences differing only in punctuation are duplicates', () => {
    const index = new MinHashIndex({ threshold: 0.8 });
    expect(index.admit('今日はとてもいい天気ですね。散歩に行きましょう。')).toBeUndefined();
    expect(index.admit('今日は、とてもいい天気ですね！散歩に行きましょう')).toBe(1);
    expect(index.admit('明日は雨が降るそうです。')).toBeUndefined();
  });

  test('token-free texts match only the very same string; short texts are one shingle', () => {
    const index = new MinHashIndex({ threshold: 0.8 });
    expect(index.admit('?!')).toBeUndefined();
    expect(index.admit('...')).toBeUndefined();
    expect(index.admit('?!')).toBe(1);
    expect(index.admit('Paris')).toBeUndefined();
    expect(index.admit('paris.')).toBe(1);
    expect(index.admit('paris france')).toBeUndefined();
  });

  test('find looks without keeping, add keeps unchecked, clear forgets; the chains survive growing past 1024 texts', () => {
    const index = new MinHashIndex({ threshold: 0.8, shingleSize: 2, permutations: 32 });
    const texts = Array.from({ length: 5000 }, (_, i) => `text number ${i} of many`);
    expect(index.find(texts[0]!)).toBeUndefined();
    for (const text of texts) index.add(text);
    expect(index.size).toBe(5000);
    expect(texts.every((text) => index.find(text) === 1)).toBe(true);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.find(texts[0]!)).toBeUndefined();
  });

  test('refuses bad options', () => {
    expect(() => new MinHashIndex({ threshold: 0 })).toThrow(/threshold.*\(0, 1\]/);
    expect(() => new MinHashIndex({ threshold: 1.1 })).toThrow(RangeError);
    expect(() => new MinHashIndex({ threshold: 0.8, shingleSize: 0 })).toThrow(/shingleSize/);
    expect(() => new MinHashIndex({ threshold: 0.8, permutations: 2048 })).toThrow(/permutations/);
  });
});
