const months = 'jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july august september october november december';
const weekdays = 'mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday saturday sunday';
// Words a lenient date parser skips or reads as a time marker or zone.
const fillers = 'at on and of ad st nd rd th t m a p am pm utc gmt z';
const dateWords = new Set(`${months} ${weekdays}`.split(' '));
const fillerWords = new Set(fillers.split(' '));
const isoLike = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Whether a value reads as a date or time, the way DGT's tool-call validator asks `dateutil` (a lenient parser)
 * when `ignore_types` holds `date`: a string under 50 characters made only of numbers (of at most 4 digits, or a
 * compact `20240131`), clock times, month and weekday names, and the filler words such a parser skips (`at`,
 * `of`, `am`, `utc`, ordinal suffixes), with at least one number or name, and at most three plain numbers.
 * An approximation of `dateutil`: it accepts the usual forms, not every one `dateutil` does.
 *
 * ## Example
 * ```ts
 * isDateLike('2024-03-05');        // true
 * isDateLike('March 5th, 2024');   // true
 * isDateLike('10:30 pm');          // true
 * isDateLike('Paris');             // false
 * ```
 */
export function isDateLike(value: unknown): boolean {
  if (typeof value !== 'string' || value.length >= 50 || value.trim() === '') return false;
  if (isoLike.test(value.trim())) return !Number.isNaN(Date.parse(value.trim().replace(' ', 'T')));
  const tokens = value
    .toLowerCase()
    .replace(/(\d)([a-z])/g, '$1 $2')
    .replace(/([a-z])(\d)/g, '$1 $2')
    .split(/[\s,;/'.-]+/)
    .filter(Boolean);
  let anchors = 0;
  let numbers = 0;
  for (const token of tokens) {
    if (/^\d{1,2}:\d{2}(?::\d{2})?$/.test(token) || dateWords.has(token) || /^\d{8}$/.test(token)) anchors += 1;
    else if (/^\d{1,4}$/.test(token)) {
      anchors += 1;
      numbers += 1;
    } else if (!fillerWords.has(token) && !/^[+-]?\d{2}:?\d{2}$/.test(token)) return false;
  }
  return anchors > 0 && numbers <= 3;
}
