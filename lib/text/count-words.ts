/** Room for the UTF-8 bytes of a text counted in one go (a longer text is counted in slices of it). */
const scratch = new Uint8Array(48 * 1024);
const encoder = new TextEncoder();

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
  let count = 0;
  let inWord = false;
  // Slices short enough that their bytes (at most 3 per UTF-16 unit) fit; a slice ends between two units, so a
  // surrogate pair split by it reads as two replacement characters: both non-space, the same word either way.
  const step = scratch.length / 3;
  for (let start = 0; start < text.length; start += step) {
    const { written } = encoder.encodeInto(start === 0 && text.length <= step ? text : text.slice(start, start + step), scratch);
    for (let index = 0; index < written; index += 1) {
      const space = scratch[index]! <= 32;
      if (!space && !inWord) count += 1;
      inWord = !space;
    }
  }
  return count;
}
