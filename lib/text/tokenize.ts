import { fnv1a64AsciiWords, fnv1a64Tokens } from './fnv1a-64.ts';

const asciiOnly = /^[\x00-\x7f]*$/;
const nonAlphanumeric = /[^a-z0-9]+/g;

/**
 * Whether a text holds only ASCII characters (U+0000 to U+007F).
 *
 * @example isAscii('Oslo') // true
 * @example isAscii('Zürich') // false
 */
export function isAscii(text: string): boolean {
  return asciiOnly.test(text);
}

/**
 * Scripts written without spaces between words: each of their letters (with its combining marks) is a token
 * of its own, as a word boundary cannot be told without a dictionary.
 */
const unspacedScripts = [
  'Han', 'Hiragana', 'Katakana', 'Bopomofo', 'Hangul', 'Yi',
  'Thai', 'Lao', 'Khmer', 'Myanmar', 'Tai_Tham', 'New_Tai_Lue', 'Balinese', 'Javanese',
].map((script) => `\\p{sc=${script}}`).join('');

/** A letter or digit of an unspaced script with its marks, or a run of other letters, digits, marks and joiners. */
const unicodeToken = new RegExp(
  `(?=[\\p{L}\\p{N}])[${unspacedScripts}]\\p{M}*|(?:(?![${unspacedScripts}])[\\p{L}\\p{N}\\p{M}\\u200c\\u200d])+`,
  'gu',
);

/**
 * Splits text into Rouge tokens. ASCII text splits exactly as rouge-score's default tokenizer does (no
 * stemming): lowercase, every run of characters outside `[a-z0-9]` becomes a space, then split on whitespace.
 * Text in any other script is NFKC-normalised (full-width `ＡＢＣ１` reads as `abc1`) and lowercased, then
 * a token is a run of letters, digits and combining marks (`\p{L}\p{N}\p{M}`), except that each letter of a
 * script written without spaces (Han, Hiragana, Katakana, Hangul, Thai, Lao, Khmer, Myanmar, ...) is a token
 * by itself. Punctuation, symbols, emoji and spaces of any script separate tokens.
 *
 * @example tokenize("What's the Cat's name?") // ['what', 's', 'the', 'cat', 's', 'name']
 * @example tokenize('Café naïve, Δέλτα!') // ['café', 'naïve', 'δέλτα']
 * @example tokenize('東京タワーは何m？') // ['東', '京', 'タ', 'ワ', 'ー', 'は', '何', 'm']
 */
export function tokenize(text: string): string[] {
  if (isAscii(text)) {
    const spaced = text.toLowerCase().replace(nonAlphanumeric, ' ').trim();
    return spaced === '' ? [] : spaced.split(' ');
  }
  return text.normalize('NFKC').toLowerCase().match(unicodeToken) ?? [];
}

/**
 * Writes `fnv1a64Tokens(tokenize(text))` into `into` ([high, low]) and says whether `text` has any token. An ASCII
 * text is hashed in one pass, lowercased as it is read, without making the tokens; any other goes through `tokenize`.
 *
 * @example hashTokens("What's the Cat's name?", into) // true; into holds fnv1a64('what s the cat s name')
 */
export function hashTokens(text: string, into: Uint32Array): boolean {
  const words = fnv1a64AsciiWords(text, into);
  if (words !== -1) return words > 0;
  const tokens = tokenize(text);
  fnv1a64Tokens(tokens, into);
  return tokens.length > 0;
}
