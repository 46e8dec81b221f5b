/** Python's `json.dumps` escapes `"`, `\` and everything outside printable ASCII. */
const escaped = /["\\\u0000-\u001f\u007f-\uffff]/g;

const shortEscapes: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

function quote(text: string): string {
  return `"${text.replace(escaped, (char) => shortEscapes[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}

/**
 * A JSON value as Python's `json.dumps` writes it with its defaults, which DGT's formatters use for tool-call
 * arguments and tool results: `, ` and `: ` between items, and every non-ASCII character escaped (`\u00e9`; a
 * character beyond the BMP as its two surrogates). Numbers are written as JavaScript writes them.
 *
 * ## Example
 * ```ts
 * pythonJson({ city: 'Zürich', days: [1, 2] }); // '{"city": "Z\\u00fcrich", "days": [1, 2]}'
 * ```
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => `${quote(key)}: ${pythonJson(item)}`)
      .join(', ')}}`;
  }
  return quote(String(value));
}
