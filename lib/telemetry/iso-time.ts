/** The last two times asked, with their ISO strings: most telemetry lines fall in the millisecond of the one before. */
const isoTimes: [number, string, number, string] = [Number.NaN, '', Number.NaN, ''];

/**
 * `new Date(ms).toISOString()`, remembered for the last two times asked: a traces line per LM call and an events line
 * per rejected record would otherwise make a date and its text each.
 *
 * ## Example
 * ```ts
 * isoTime(0); // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function isoTime(ms: number): string {
  if (ms === isoTimes[0]) return isoTimes[1];
  if (ms === isoTimes[2]) return isoTimes[3];
  const text = new Date(ms).toISOString();
  isoTimes[2] = isoTimes[0];
  isoTimes[3] = isoTimes[1];
  isoTimes[0] = ms;
  isoTimes[1] = text;
  return text;
}
