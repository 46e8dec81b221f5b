const nonAlphanumeric = /[^a-z0-9]+/g;

/**
 * Splits text into Rouge tokens the way rouge-score's default tokenizer does (no stemming): lowercase,
 * every run of characters outside `[a-z0-9]` becomes a space, then split on whitespace.
 *
 * @example tokenize("What's the Cat's name?") // ['what', 's', 'the', 'cat', 's', 'name']
 */
export function tokenize(text: string): string[] {
  const spaced = text.toLowerCase().replace(nonAlphanumeric, ' ').trim();
  return spaced === '' ? [] : spaced.split(' ');
}
