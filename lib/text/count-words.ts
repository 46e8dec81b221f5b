import { fourBytesAt } from './four-bytes.ts';

/** Room for the UTF-8 bytes of a text counted in one go (a longer text is counted in slices of it). */
const scratch = new Uint8Array(48 * 1024);
const encoder = new TextEncoder();
/** UTF-16 units whose UTF-8 bytes always fit the scratch buffer. */
const scratchUnits = scratch.length / 3;

/**
 * Whitespace-separated words of a text (a word is a run of characters above U+0020): the rough token count of local
 * servers and fakes. The text's UTF-8 bytes are counted, not its UTF-16 units: a native copy and a loop over bytes
 * cost a third of `charCodeAt` per character on a string built by concatenation, with the same count (a byte at or
 * below 0x20 is always the ASCII character itself; a character above it is bytes above it).
 *
 * ## Example
 * ```ts
 * countWords('Question: Where is Oslo?\nAnswer: Norway.'); // 6
 * ```
 */
export function countWords(text: string): number {
  const bytes = utf8InScratch(text);
  if (bytes !== undefined) return countWordsInUtf8(bytes);
  let count = 0;
  let inWord = false;
  // Slices short enough that their bytes (at most 3 per UTF-16 unit) fit; a slice ends between two units, so a
  // surrogate pair split by it reads as two replacement characters: both non-space, the same word either way. A word
  // that runs on from the slice before is counted there.
  for (let start = 0; start < text.length; start += scratchUnits) {
    const slice = scratch.subarray(0, encoder.encodeInto(text.slice(start, start + scratchUnits), scratch).written);
    if (slice.length === 0) continue;
    count += countWordsInUtf8(slice) - (inWord && slice[0]! > 32 ? 1 : 0);
    inWord = slice[slice.length - 1]! > 32;
  }
  return count;
}

/**
 * The UTF-8 bytes of a text short enough (up to 16,384 UTF-16 units), in a buffer shared by every caller: valid until
 * the next call of anything in this module. Undefined for a longer text. For a caller that needs the bytes for more
 * than a count (hashing them too): the text is encoded once.
 *
 * ## Example
 * ```ts
 * const bytes = utf8InScratch('Question: Where is Oslo?')!;
 * countWordsInUtf8(bytes); // 4
 * ```
 */
export function utf8InScratch(text: string): Uint8Array | undefined {
  if (text.length > scratchUnits) return undefined;
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}

/**
 * {@link countWords} of a text given as its UTF-8 bytes. A word starts at a byte above 32 whose byte before is not.
 * Four bytes are read at a time where the bytes start at a multiple of 4 (the scratch buffer's always do), each word
 * start found in all four at once: a byte's top bit says whether it is above 32, the bits moved up a byte say whether
 * the byte before was. The bytes left over, and bytes elsewhere, are read one by one.
 */
export function countWordsInUtf8(bytes: Uint8Array): number {
  let count = 0;
  // 1 when the byte before is a word's.
  let previous = 0;
  let index = 0;
  const words = bytes.length >= 16 ? fourBytesAt(bytes) : undefined;
  if (words) {
    const lanes = bytes.length >>> 2;
    const first = bytes.byteOffset >>> 2;
    // 0x80 in the top byte when the last byte of the lane before was a word's.
    let carry = 0;
    for (let lane = first; lane < first + lanes; lane += 1) {
      const four = words[lane]!;
      // 0x80 in each byte above 32: below 0x80, the byte plus 0x5f reaches 0x80 exactly from 33 (and never carries
      // into the next byte); from 0x80 up, the byte's own top bit.
      const above = ((((four & 0x7f7f7f7f) + 0x5f5f5f5f) | four) & 0x80808080) >>> 0;
      const starts = above & ~((above << 8) | carry);
      // One bit per byte that starts a word, summed across the four bytes.
      count += Math.imul(starts >>> 7, 0x01010101) >>> 24;
      carry = above >>> 24;
    }
    index = lanes * 4;
    previous = carry >>> 7;
  }
  // Without branches: `(byte + 223) >> 8` is 1 for a byte above 32, else 0.
  for (; index < bytes.length; index += 1) {
    const word = (bytes[index]! + 223) >> 8;
    count += word & (previous ^ 1);
    previous = word;
  }
  return count;
}
