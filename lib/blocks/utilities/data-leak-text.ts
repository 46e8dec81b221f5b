/**
 * Text preparation of DGT's data leak metric: sentence splitting (an untrained Punkt tokenizer with a list of
 * abbreviations, approximated by rules) and the per-sentence normalization the metric compares words of.
 */

// Tokens whose final period does not end a sentence (lowercase, without that period), as DGT lists them.
const abbreviations = new Set(
  ('e.g i.e dr mr mrs ms vs gen prof rev hon etc jan feb mar apr jun jul aug sep oct nov dec u.n u.s st apt a.m p.m ' +
    'capt sen p.p cf n.b inc u.k e.u sr jr ltd co corp mt sun mon tue wed thu fri sat').split(' '),
);
// Stand-ins for periods that must not end a sentence (initials, e-mail and IP addresses), and for the few
// abbreviations shielded from that protection: private-use characters, absent from real text.
const keptPeriod = '\uE000';
const shieldedPeriod = '\uE001';
const shielded = /(?<![\p{L}\p{N}_])(A\.M\.|P\.M\.|U\.S\.|U\.K\.|E\.U\.|U\.N\.)(?![\p{L}\p{N}_])/gu;
const protectedSpans = new RegExp(
  [
    String.raw`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`,
    String.raw`\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b`,
    String.raw`\b(?:[A-Z]\.){1,3}\s[A-Z][a-z]+`,
    String.raw`(?<!\w)(?:[A-Z]\.[A-Z]\.)(?!\s[A-Z][a-z])`,
  ].join('|'),
  'g',
);
// A sentence end: `.`, `?` or `!` (with closing quotes or brackets) before whitespace and more text.
const sentenceEnd = /[.?!]+["')\]}]*(?=\s+\S)/g;
// After these abbreviations a capitalized word (not an acronym) starts a new sentence.
const abbreviationThenSentence = /(?<=\b(?:[Aa]\.[Mm]\.|[Pp]\.[Mm]\.|[Uu]\.[Kk]\.|[Ee]\.[Uu]\.|[Ee]tc\.)) (?=(?![A-Z]{2,5}\b)[A-Z])/;
const number = /^-?[.,]?\d[\d,.-]*$/;

/**
 * Repairs what DGT's `ftfy.fix_text` repairs in practice before matching: composes Unicode (NFC) and straightens
 * curly quotes, so `don’t` and `don't` compare equal.
 */
export function fixText(text: string): string {
  return text.normalize('NFC').replace(/[‘’‚‛]/g, "'").replace(/[“”„‟]/g, '"');
}

/**
 * Splits text into sentences as DGT's metric does: ellipses collapse, in-word hyphens become spaces, periods of
 * initials and addresses are kept inside the sentence, and a period ends a sentence unless it closes a known
 * abbreviation, or an initial or a number followed by a word that does not look like a sentence start.
 *
 * ## Example
 * ```ts
 * splitSentences('Dr. Smith left at 5 p.m. The well-known cat stayed.');
 * // ['Dr. Smith left at 5 p.m.', 'The well known cat stayed.']
 * ```
 */
export function splitSentences(text: string): string[] {
  const prepared = text
    .replace(/\.{2,}/g, '.')
    .replace(/(?<=[\p{L}\p{N}_])-/gu, ' ')
    .replace(shielded, (found) => found.replaceAll('.', shieldedPeriod))
    .replace(protectedSpans, (found) => found.replaceAll('.', keptPeriod))
    .replaceAll(shieldedPeriod, '.');
  const sentences: string[] = [];
  let start = 0;
  for (const match of prepared.matchAll(sentenceEnd)) {
    const end = match.index + match[0].length;
    if (!endsSentence(prepared, match.index, match[0], end)) continue;
    sentences.push(prepared.slice(start, end));
    start = end;
  }
  sentences.push(prepared.slice(start));
  return sentences
    .flatMap((sentence) => sentence.trim().split(abbreviationThenSentence))
    .filter((sentence) => sentence.trim() !== '')
    .map((sentence) => sentence.replaceAll(keptPeriod, '.'));
}

/** Whether the end punctuation `ender` at `at` closes a sentence, given the word before it and the one after. */
function endsSentence(text: string, at: number, ender: string, end: number): boolean {
  if (/[?!]/.test(ender)) return true;
  const word = (/\S*$/.exec(text.slice(0, at))?.[0] ?? '').replace(/^["'(\[{]+/, '');
  const lower = word.toLowerCase();
  if (abbreviations.has(lower) || abbreviations.has(lower.split('-').at(-1) ?? '')) return false;
  if (/^\p{L}$/u.test(word) || number.test(word)) {
    const next = /\S+/.exec(text.slice(end))?.[0] ?? '';
    const first = next.charAt(0);
    // Punkt keeps an initial or a number with the next word when that word starts with punctuation or a
    // lowercase letter; an initial also before a capitalized word (a name).
    if (';:,.!?'.includes(next) && next !== '') return false;
    if (first !== first.toUpperCase()) return false;
    if (/^\p{L}$/u.test(word) && first !== first.toLowerCase()) return false;
  }
  return true;
}

const punctuation = /[!"#$%&'()*+,:;<=>?[\\\]^_`{|}~]/g;
const timeOfDay = /\b\d{1,2}:\d{1,2}(?::\d{1,2})?(?:\s?[AaPp]\.?[Mm]\.?)?\b/g;
const isoInstant = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z/g;

/**
 * DGT's sentence normalization (stop words kept): periods, double quotes and other punctuation become spaces
 * (hyphens, slashes and `@` stay; clock times and ISO instants keep their colons), lowercase, one space between
 * words.
 *
 * ## Example
 * ```ts
 * normalizeSentence('Meet me at 10:30, "OK"?'); // 'meet me at 10:30 ok'
 * ```
 */
export function normalizeSentence(sentence: string): string {
  const spaced = sentence.replace(/[\n\t]/g, ' ').replace(/[."]+/g, ' ');
  const kept = [...spaced.matchAll(new RegExp(`${isoInstant.source}|${timeOfDay.source}`, 'g'))];
  let result = '';
  let from = 0;
  for (const match of kept) {
    result += spaced.slice(from, match.index).replace(punctuation, ' ') + match[0];
    from = match.index + match[0].length;
  }
  result += spaced.slice(from).replace(punctuation, ' ');
  return result.toLowerCase().split(/\s+/).filter(Boolean).join(' ');
}
