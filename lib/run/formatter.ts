import type { FormatterConfig } from '../config/task-spec.ts';
import type { DataPoint, Fields } from '../record.ts';
import { compileTemplate } from '../template.ts';

/** A value as Python's `str()` writes it, which DGT's native formatter puts in its text. */
function pythonText(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * DGT's formatters, which make `formatted_data` from the final records: `formatters/native` replaces each
 * `{{field}}` with the field's value; `formatters/template` renders Jinja. A mapping `format` gives a record of the
 * same keys; a string `format` gives `{ text }`.
 *
 * ## Example
 * ```ts
 * const format = createFormatter({ type: 'formatters/native', format: { input: 'Q: {{question}}', output: '{{answer}}' } });
 * format({ task_name: 't', is_seed: false, question: 'Why?', answer: 'Because.' }); // { input: 'Q: Why?', output: 'Because.' }
 * ```
 */
export function createFormatter(config: FormatterConfig): (record: DataPoint) => Fields {
  const render =
    config.type === 'formatters/template'
      ? (source: string) => {
          const template = compileTemplate(source);
          return (record: DataPoint) => template.render(record);
        }
      : (source: string) => (record: DataPoint) => source.replace(/\{\{([^{}]+)\}\}/g, (match, name: string) => (name in record ? pythonText(record[name]) : match));
  if (typeof config.format === 'string') {
    const text = render(config.format);
    return (record) => ({ text: text(record) });
  }
  const fields = Object.entries(config.format).map(([key, source]) => [key, render(source)] as const);
  return (record) => Object.fromEntries(fields.map(([key, text]) => [key, text(record)]));
}
