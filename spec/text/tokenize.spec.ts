import { describe, expect, test } from 'vitest';
import { rougeL } from '../../lib/text/rouge-l.ts';
import { fnv1a64Tokens } from '../../lib/text/fnv1a-64.ts';
import { hashTokens, tokenize } from '../../lib/text/tokenize.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

/** rouge-score's default tokenizer (no stemmer), transcribed: lowercase, non-[a-z0-9] runs to spaces, split, keep valid tokens. */
function rougeScoreTokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .split(/\s+/)
    .filter((token) => /^[a-z0-9]+$/.test(token));
}

describe('tokenize: ASCII', () => {
  test('splits every ASCII string exactly as rouge-score does', () => {
    const random = seededRandom(10);
    const alphabet = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('') + 'aaeeiioo  ';
    for (let i = 0; i < 3000; i++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      expect(tokenize(text)).toEqual(rougeScoreTokenize(text));
    }
  });

  test('keeps the examples of the rouge-score tokenizer', () => {
    expect(tokenize("What's the Cat's name?")).toEqual(['what', 's', 'the', 'cat', 's', 'name']);
    expect(tokenize('snake_case and kebab-case, v2.0')).toEqual(['snake', 'case', 'and', 'kebab', 'case', 'v2', '0']);
    expect(tokenize('\t\n ?!')).toEqual([]);
  });
});

describe('tokenize: other scripts', () => {
  test('keeps the letters, digits and combining marks of spaced scripts as words, lowercased', () => {
    expect(tokenize('Café naïve, Δέλτα!')).toEqual(['café', 'naïve', 'δέλτα']);
    expect(tokenize('Привет, МИР 2024')).toEqual(['привет', 'мир', '2024']);
    expect(tokenize('नमस्ते दुनिया।')).toEqual(['नमस्ते', 'दुनिया']);
    expect(tokenize('مرحبا بالعالم؟')).toEqual(['مرحبا', 'بالعالم']);
    expect(tokenize('שלום, עולם')).toEqual(['שלום', 'עולם']);
  });

  test('makes each Han, kana and Hangul letter a token of its own, apart from Latin words around it', () => {
    expect(tokenize('東京タワーは何mですか？')).toEqual(['東', '京', 'タ', 'ワ', 'ー', 'は', '何', 'm', 'で', 'す', 'か']);
    expect(tokenize('北京是中国的首都。')).toEqual(['北', '京', '是', '中', '国', '的', '首', '都']);
    expect(tokenize('안녕하세요 세계')).toEqual(['안', '녕', '하', '세', '요', '세', '계']);
    expect(tokenize('GPT模型v2')).toEqual(['gpt', '模', '型', 'v2']);
  });

  test('makes each Thai letter a token, with its vowel and tone marks', () => {
    expect(tokenize('สวัสดีครับ')).toEqual(['ส', 'วั', 'ส', 'ดี', 'ค', 'รั', 'บ']);
  });

  test('normalises full-width and decomposed forms, so equal-looking texts give equal tokens', () => {
    expect(tokenize('ＡＢＣ１２３')).toEqual(['abc123']);
    expect(tokenize('cafe\u0301')).toEqual(tokenize('café'));
    expect(tokenize('ｶﾌｪ')).toEqual(tokenize('カフェ'));
  });

  test('punctuation, symbols and emoji of any script separate tokens and are never tokens', () => {
    expect(tokenize('「はい」、いいえ！')).toEqual(['は', 'い', 'い', 'い', 'え']);
    expect(tokenize('«oui» — non… 🙂 ok')).toEqual(['oui', 'non', 'ok']);
    expect(tokenize('— 。 🙂 \uD800')).toEqual([]);
  });

  test('two Japanese sentences that differ only in punctuation have Rouge-L 1; one changed character lowers it', () => {
    expect(rougeL('今日はいい天気ですね。', '今日は、いい天気ですね！')).toBe(1);
    expect(rougeL('今日はいい天気ですね。', '今日は悪い天気ですね。')).toBeCloseTo((2 * 9) / 20, 10);
  });
});

describe('hashTokens', () => {
  const hex = (hash: Uint32Array): string => `${hash[0]}:${hash[1]}`;

  test('is fnv1a64Tokens of tokenize, ASCII or not, and says whether there is a token', () => {
    const random = seededRandom(21);
    const alphabet = `${Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)).join('')}aaeeiioo  ÉéΔ東京ー１`;
    const texts = ['', '   ', '?!', "What's the Cat's name?", 'ABC def', 'a', ' x ', 'Café naïve, Δέλτα!', '東京タワーは何m？'];
    for (let i = 0; i < 3000; i++) texts.push(Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''));
    const into = new Uint32Array(2);
    for (const text of texts) {
      const tokens = tokenize(text);
      expect(hashTokens(text, into)).toBe(tokens.length > 0);
      if (tokens.length > 0) expect(hex(into)).toBe(hex(fnv1a64Tokens(tokens)));
    }
  });
});
