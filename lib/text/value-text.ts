/**
 * A field's value as text, for a person to read: a string as it is, `undefined` as `''`, anything else as JSON
 * (`String` when JSON cannot hold it: a cycle, a BigInt).
 *
 * ## Example
 * ```ts
 * valueText('Lima');        // 'Lima'
 * valueText({ n: 1 });      // '{"n":1}'
 * valueText(10n);           // '10'
 * ```
 */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
