import type { DataPoint, Fields } from '../record.ts';
import type { RecordFormatter } from './formatter-internals.ts';

/** A value as Python's `str()` writes it, which DGT's native formatter puts in its text (objects as JSON). */
function pythonText(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function fill(source: string, record: DataPoint): string {
  return source.replace(/\{\{([^{}]+)\}\}/g, (match, name: string) => (name in record ? pythonText(record[name]) : match));
}

/**
 * DGT's `formatters/native`: each `{{field}}` of `format` is replaced by the record's value of that field; a
 * placeholder naming no field of the record stays as written. A mapping `format` gives a record of the same keys; a
 * string `format` gives `{ text }`.
 *
 * ## Example
 * ```ts
 * const format = nativeFormatter({ input: 'Q: {{question}}', output: '{{answer}}' });
 * format({ task_name: 't', is_seed: false, question: 'Why?', answer: 'Because.' }); // { input: 'Q: Why?', output: 'Because.' }
 * ```
 */
export function nativeFormatter(format: string | Readonly<Record<string, string>>): RecordFormatter {
  if (typeof format === 'string') return (record) => ({ text: fill(format, record) });
  const entries = Object.entries(format);
  return (record): Fields => Object.fromEntries(entries.map(([key, source]) => [key, fill(source, record)]));
}
