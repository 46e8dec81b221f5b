/** FNV-1a 64 offset basis 0xcbf29ce484222325, as two 32-bit halves. */
const offsetHigh = 0xcbf29ce4;
const offsetLow = 0x84222325;

/**
 * One FNV-1a 64 step's new high half, `low` already XORed with the code unit. The prime 2⁴⁰ + 0x1b3 multiplies as
 * `x·0x1b3 + (x << 40)`; the low half's product is split in 16-bit parts so every step stays in 32-bit integer
 * arithmetic. (Two functions, one per half, that V8 inlines: a step's two halves without an object or array.)
 */
function stepHigh(high: number, low: number): number {
  const lowPart = (low & 0xffff) * 0x1b3;
  const highPart = (low >>> 16) * 0x1b3 + (lowPart >>> 16);
  return (Math.imul(high, 0x1b3) + (low << 8) + (highPart >>> 16)) | 0;
}

/** One FNV-1a 64 step's new low half (see `stepHigh`). */
function stepLow(low: number): number {
  const lowPart = (low & 0xffff) * 0x1b3;
  const highPart = (low >>> 16) * 0x1b3 + (lowPart >>> 16);
  return (highPart << 16) | (lowPart & 0xffff);
}

/** Continues the FNV-1a 64 hash in `into` ([high, low]) over the UTF-16 code units of `text` from `start` to `end`. */
function absorb(text: string, into: Uint32Array, start = 0, end = text.length): void {
  let high = into[0]! | 0;
  let low = into[1]! | 0;
  for (let i = start; i < end; i++) {
    low ^= text.charCodeAt(i);
    high = stepHigh(high, low);
    low = stepLow(low);
  }
  into[0] = high;
  into[1] = low;
}

/**
 * 64-bit FNV-1a hash of a string, one step per UTF-16 code unit (each unit is XORed in whole, so strings
 * of code units below 0x100 hash as standard byte-wise FNV-1a 64 of their Latin-1 bytes). Writes
 * [high, low] 32-bit halves into `into` and returns it: no allocation per call when `into` is reused.
 * Two strings of equal length that differ in one code unit never collide.
 *
 * @example fnv1a64('foobar') // Uint32Array [0x85944171, 0xf73967e8]
 */
export function fnv1a64(text: string, into: Uint32Array = new Uint32Array(2)): Uint32Array {
  into[0] = offsetHigh;
  into[1] = offsetLow;
  absorb(text, into);
  return into;
}

/**
 * Continues the FNV-1a 64 hash in `into` ([high, low], as `fnv1a64` left it) over the code units of `text` from
 * `start` to `end`: hashing a text in parts, or a part of a text, gives the hash of the whole without joining or
 * slicing strings.
 *
 * @example fnv1a64Continue('bar', fnv1a64('foo')) // same as fnv1a64('foobar')
 * @example fnv1a64Continue('}', fnv1a64Continue('{"a":1,"b":2}', fnv1a64(''), 0, 6)) // same as fnv1a64('{"a":1}')
 */
export function fnv1a64Continue(text: string, into: Uint32Array, start = 0, end = text.length): Uint32Array {
  absorb(text, into, start, end);
  return into;
}

/**
 * Continues the FNV-1a 64 hash in `into` over the text `value.toString(16)` writes for an unsigned 32-bit `value`
 * (lowercase hex digits, no leading zeros), without making that text.
 *
 * @example fnv1a64ContinueHex(0xbeef, fnv1a64('')) // same as fnv1a64('beef')
 */
export function fnv1a64ContinueHex(value: number, into: Uint32Array): Uint32Array {
  let high = into[0]! | 0;
  let low = into[1]! | 0;
  let shift = 28;
  while (shift > 0 && value >>> shift === 0) shift -= 4;
  for (; shift >= 0; shift -= 4) {
    const digit = (value >>> shift) & 0xf;
    // The digit's character: '0' to '9', then 'a' to 'f'.
    low ^= digit < 10 ? 0x30 + digit : 0x57 + digit;
    high = stepHigh(high, low);
    low = stepLow(low);
  }
  into[0] = high;
  into[1] = low;
  return into;
}

/**
 * 64-bit FNV-1a hash of an ASCII text's words, lowercase, joined by one space: the words are the runs of ASCII
 * letters and digits (`tokenize`'s tokens of an ASCII text), read in one pass, none made. Writes [high, low] into
 * `into` and returns the number of words, or -1 as soon as a character above U+007F is met (such a text goes through
 * `tokenize`; `into` is then not the hash).
 *
 * @example fnv1a64AsciiWords("What's the Cat's name?", into) // 6; into holds fnv1a64('what s the cat s name')
 */
export function fnv1a64AsciiWords(text: string, into: Uint32Array): number {
  let high = offsetHigh | 0;
  let low = offsetLow | 0;
  let words = 0;
  let inWord = false;
  for (let at = 0; at < text.length; at += 1) {
    let code = text.charCodeAt(at);
    if (code > 0x7f) return -1;
    if (code >= 0x41 && code <= 0x5a) code += 0x20;
    if (!((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39))) {
      inWord = false;
      continue;
    }
    // A space before every word but the first, then the character: each a step of `absorb`.
    const spaced = !inWord && words > 0;
    if (!inWord) {
      inWord = true;
      words += 1;
    }
    if (spaced) {
      low ^= 0x20;
      high = stepHigh(high, low);
      low = stepLow(low);
    }
    low ^= code;
    high = stepHigh(high, low);
    low = stepLow(low);
  }
  into[0] = high;
  into[1] = low;
  return words;
}

/**
 * 64-bit FNV-1a hash of a token sequence: the tokens joined by one space, which no token of `tokenize`
 * (`[a-z0-9]+`) contains, so `['ab', 'c']` and `['a', 'bc']` differ. Equals
 * `fnv1a64(tokens.join(' '))` without building the joined string.
 *
 * @example fnv1a64Tokens(['what', 's', 'the', 'cat']) // same as fnv1a64("what s the cat")
 */
export function fnv1a64Tokens(tokens: readonly string[], into: Uint32Array = new Uint32Array(2)): Uint32Array {
  into[0] = offsetHigh;
  into[1] = offsetLow;
  for (let i = 0; i < tokens.length; i++) {
    if (i > 0) absorb(' ', into);
    absorb(tokens[i]!, into);
  }
  return into;
}
