import { errorMessage } from '../error-message.ts';
import type { DataPoint, Fields } from '../record.ts';
import { compileTemplate } from '../template.ts';
import { type RecordFormatter, recordProblem } from './formatter-internals.ts';

const name = 'formatters/template';

/**
 * DGT's `formatters/template`: each string of `format` is a Jinja template rendered with the record's fields. A
 * mapping `format` gives a record of the same keys; a string `format` gives `{ text }`. A template that names a field
 * the record lacks (or holds `null`) cannot render: an error naming the formatter, the output key and the record.
 *
 * ## Example
 * ```ts
 * const format = templateFormatter({ prompt: '{{ question | upper }}' });
 * format({ task_name: 't', is_seed: false, question: 'why?' }); // { prompt: 'WHY?' }
 * ```
 *
 * @throws {ConfigError} (from the returned function) for a record a template cannot render
 */
export function templateFormatter(format: string | Readonly<Record<string, string>>): RecordFormatter {
  const entries = Object.entries(typeof format === 'string' ? { text: format } : format).map(([key, source]) => [key, compileTemplate(source)] as const);
  return (record: DataPoint): Fields =>
    Object.fromEntries(
      entries.map(([key, template]) => {
        try {
          return [key, template.render(record)];
        } catch (error) {
          throw recordProblem(name, record, `cannot be rendered into \`${key}\`: ${errorMessage(error).replace(/\s+/g, ' ')}`);
        }
      }),
    );
}
