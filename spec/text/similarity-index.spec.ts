import { describe, expect, test } from 'vitest';
import { rougeLTokens } from '../../lib/text/rouge-l.ts';
import { SimilarityIndex } from '../../lib/text/similarity-index.ts';
import { tokenize } from '../../lib/text/tokenize.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

const vocabulary = ['the', 'a', 'cat', 'cats', 'sat', 'on', 'mat', 'is', 'ab', 'c', 'abc', 'b', '2', '0', 'v2'];
const tokenless = ['', ' ', '?!', '?! ', '...', '。', '。 ', '🙂', '\uD800', '\uD801', '—'];
const unicode = ['こんにちは', 'こんにちは。', 'カフェ', 'Café', 'CAFÉ!', 'naïve', '東京'];

/**
 * Texts with many exact token duplicates: short sentences over a tiny vocabulary (where regrouped letters
 * such as 'ab c' and 'a bc' occur), earlier texts re-cased and re-punctuated, and token-free texts that
 * differ only in spacing or in one code unit.
 */
function duplicateHeavyTexts(count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const pick = <V>(values: readonly V[]): V => values[Math.floor(random() * values.length)]!;
  const texts: string[] = [];
  for (let i = 0; i < count; i++) {
    const roll = random();
    if (roll < 0.1) texts.push(pick(tokenless));
    else if (roll < 0.15) texts.push(pick(unicode));
    else if (roll < 0.5 && texts.length > 0) {
      const earlier = pick(texts);
      const variant = random();
      if (variant < 0.3) texts.push(earlier.toUpperCase());
      else if (variant < 0.6) texts.push(`  ${tokenize(earlier).join(', ')}?!`);
      else if (variant < 0.8) texts.push(earlier.replace(/ /g, ' ... '));
      else texts.push(earlier);
    } else {
      const length = 1 + Math.floor(random() * 4);
      texts.push(Array.from({ length }, () => pick(vocabulary)).join(pick([' ', '-', '. ', "'"])));
    }
  }
  return texts;
}

interface Kept {
  readonly text: string;
  readonly tokens: string[];
}

/** Rouge-L F1 as the public definition has it: two token-free texts score 1 only when the strings are equal. */
function similarity(left: Kept, right: Kept): number {
  if (left.tokens.length === 0 && right.tokens.length === 0) return left.text === right.text ? 1 : 0;
  return rougeLTokens(left.tokens, right.tokens);
}

/**
 * The reference for threshold 1: `admit` keeps a text unless some kept text has Rouge-L F1 = 1 to it,
 * `add` always keeps; compared against every kept text.
 */
function bruteForce(steps: readonly { text: string; restored: boolean }[]): (boolean | undefined)[] {
  const kept: Kept[] = [];
  return steps.map(({ text, restored }) => {
    const candidate = { text, tokens: tokenize(text) };
    if (restored) {
      kept.push(candidate);
      return undefined;
    }
    if (kept.some((other) => similarity(candidate, other) >= 1)) return false;
    kept.push(candidate);
    return true;
  });
}

describe('SimilarityIndex at threshold 1', () => {
  test('keeps exactly what a brute-force Rouge-L F1 = 1 scan keeps, on texts with many duplicates', () => {
    const texts = duplicateHeavyTexts(3000, 2025);
    const index = new SimilarityIndex(1);
    const decisions = texts.map((text) => {
      const found = index.admit(text);
      if (found !== undefined) expect(found).toBe(1);
      return found === undefined;
    });
    const expected = bruteForce(texts.map((text) => ({ text, restored: false })));
    expect(decisions).toEqual(expected);
    const keptCount = expected.filter(Boolean).length;
    expect(index.size).toBe(keptCount);
    // Guard against a vacuous test: many of each decision, token-free texts among both.
    expect(keptCount).toBeGreaterThan(100);
    expect(texts.length - keptCount).toBeGreaterThan(1000);
    const tokenlessDecisions = texts.flatMap((text, i) => (tokenize(text).length === 0 ? [decisions[i]] : []));
    expect(new Set(tokenlessDecisions)).toEqual(new Set([true, false]));
  });

  test('texts restored with add seed the index the same way', () => {
    const random = seededRandom(7);
    const steps = duplicateHeavyTexts(2000, 99).map((text) => ({ text, restored: random() < 0.3 }));
    const index = new SimilarityIndex(1);
    const decisions = steps.map(({ text, restored }) => {
      if (!restored) return index.admit(text) === undefined;
      index.add(text);
      return undefined;
    });
    expect(decisions).toEqual(bruteForce(steps));
    // Every restored text counts as kept, repeats included, as before.
    expect(index.size).toBe(decisions.filter((decision) => decision !== false).length);
  });

  test('compares token sequences (in any script), and token-free texts by their raw string', () => {
    const index = new SimilarityIndex(1);
    expect(index.admit('ab c')).toBeUndefined();
    expect(index.admit('a bc')).toBeUndefined();
    expect(index.admit('abc')).toBeUndefined();
    expect(index.admit("AB-c!")).toBe(1);
    expect(index.admit('')).toBeUndefined();
    expect(index.admit(' ')).toBeUndefined();
    expect(index.admit('')).toBe(1);
    expect(index.admit('—')).toBeUndefined();
    expect(index.admit('— ')).toBeUndefined();
    expect(index.admit('—')).toBe(1);
    expect(index.admit('こんにちは')).toBeUndefined();
    expect(index.admit('こんにちは。')).toBe(1);
    expect(index.admit('こんにちわ')).toBeUndefined();
    expect(index.size).toBe(9);
  });

  test('clear forgets token sequences and token-free texts', () => {
    const index = new SimilarityIndex(1);
    index.add('the cat');
    index.add('?!');
    expect(index.admit('The cat.')).toBe(1);
    expect(index.admit('?!')).toBe(1);
    index.clear();
    expect(index.size).toBe(0);
    expect(index.admit('The cat.')).toBeUndefined();
    expect(index.admit('?!')).toBeUndefined();
  });
});

describe('SimilarityIndex below threshold 1', () => {
  test('token-free texts still match only the very same string', () => {
    const index = new SimilarityIndex(0.5);
    expect(index.admit('?!')).toBeUndefined();
    expect(index.admit('...')).toBeUndefined();
    expect(index.admit('?!')).toBe(1);
    expect(index.admit('the cat sat')).toBeUndefined();
    expect(index.admit('the cat')).toBeCloseTo(0.8, 10);
    expect(index.size).toBe(3);
  });
});

describe('SimilarityIndex.find', () => {
  test.each([0.6, 1])('answers as admit would at threshold %s, without keeping', (threshold) => {
    const seeded = () => {
      const index = new SimilarityIndex(threshold);
      index.add('the cat sat on the mat');
      index.add('?!');
      return index;
    };
    const index = seeded();
    for (const probe of ['The cat sat on the mat.', 'the cat sat', 'a dog ran', '?!', '...', 'cat sat on the mat the']) {
      expect(index.find(probe)).toBe(seeded().admit(probe));
    }
    expect(index.size).toBe(2);
    expect(index.find('The cat sat on the mat.')).toBe(1);
  });
});

describe('SimilarityIndex below threshold 1, across its re-rankings', () => {
  test('texts restored with add and texts admitted decide as a brute-force scan, past 256, 512 and 1024 kept texts', () => {
    const random = seededRandom(31);
    const vocabulary = Array.from({ length: 60 }, (_, i) => `t${i}`);
    const texts: string[] = [];
    for (let i = 0; i < 2500; i++) {
      if (texts.length > 0 && random() < 0.3) {
        const words = texts[Math.floor(random() * texts.length)]!.split(' ');
        words[Math.floor(random() * words.length)] = vocabulary[Math.floor(random() * random() * vocabulary.length)]!;
        texts.push(words.join(' '));
      } else texts.push(Array.from({ length: 3 + Math.floor(random() * 10) }, () => vocabulary[Math.floor(random() * random() * vocabulary.length)]).join(' '));
    }
    const index = new SimilarityIndex(0.75);
    const kept: string[][] = [];
    let rejections = 0;
    for (const [position, text] of texts.entries()) {
      const tokens = tokenize(text);
      if (position % 4 === 0) {
        index.add(text);
        kept.push(tokens);
        continue;
      }
      const duplicate = kept.some((other) => rougeLTokens(tokens, other) >= 0.75);
      expect(index.admit(text) !== undefined).toBe(duplicate);
      if (duplicate) rejections++;
      else kept.push(tokens);
    }
    expect(index.size).toBe(kept.length);
    expect(kept.length).toBeGreaterThan(1100);
    expect(rejections).toBeGreaterThan(100);
  });
});
