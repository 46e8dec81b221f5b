import { z } from 'zod';
import { parseConfig } from '../parse-config.ts';
import type { Fields } from '../record.ts';
import { valueText } from '../text/value-text.ts';
import { escapeHtml } from './escape-html.ts';

/** Options of {@link recordsTable}. */
export interface RecordsTableOptions {
  /** The columns shown, in this order. @default every field of the shown records, in the order they first appear */
  readonly columns?: readonly string[] | undefined;
  /** Characters of a value shown before it is cut with `…` (the cell's tooltip then holds more of it). @default 200 */
  readonly maxLength?: number | undefined;
  /** Rows shown; the caption says how many there were. @default 50 */
  readonly maxRows?: number | undefined;
  /** A line above the table, before the record count. @default none */
  readonly title?: string | undefined;
}

const optionsSchema = z.object({
  columns: z.array(z.string()).optional(),
  maxLength: z.number().int().min(1).default(200),
  maxRows: z.number().int().min(0).default(50),
  title: z.string().optional(),
});

/** Longest tooltip of a cut value, in characters: enough to read it, not a whole document per cell. */
const tooltipLength = 4000;


/** The first `length` characters (whole code points, so no emoji is split), and whether any were left out. */
function cut(text: string, length: number): { readonly shown: string; readonly cut: boolean } {
  if (text.length <= length) return { shown: text, cut: false };
  const points = Array.from(text);
  return points.length <= length ? { shown: text, cut: false } : { shown: points.slice(0, length).join(''), cut: true };
}

function cellOf(value: unknown, maxLength: number): string {
  const text = valueText(value);
  const { shown, cut: wasCut } = cut(text, maxLength);
  if (!wasCut) return `<td>${escapeHtml(shown)}</td>`;
  return `<td title="${escapeHtml(cut(text, tooltipLength).shown)}">${escapeHtml(shown)}…</td>`;
}

/**
 * An HTML table of records, for a notebook (or any page): one row per record, one column per field. Every value is
 * escaped (records are untrusted text), long values are cut, and the caption says how many records there were.
 *
 * ## Example
 * ```ts
 * import { recordsTable } from 'rxdgt/notebook';
 * recordsTable([{ question: 'Which river flows through <Budapest>?', answer: 'The Danube.' }]);
 * // '<table class="rxdgt-records">…<th>question</th><th>answer</th>…<td>Which river flows through &lt;Budapest&gt;?</td>…'
 * ```
 * @param records The records, in the order shown.
 * @param options Columns, cut length, row count, title.
 * @returns The table's HTML.
 * @throws {ConfigError} When an option is invalid.
 */
export function recordsTable(records: Iterable<Fields>, options: RecordsTableOptions = {}): string {
  const { columns: chosen, maxLength, maxRows, title } = parseConfig('recordsTable', optionsSchema, options);
  const all = Array.from(records);
  const shown = all.slice(0, maxRows);
  const columns = chosen ?? [...new Set(shown.flatMap((record) => Object.keys(record)))];
  const count = shown.length < all.length ? `${shown.length} of ${all.length} records` : `${all.length} record${all.length === 1 ? '' : 's'}`;
  const caption = escapeHtml(title === undefined ? count : `${title}: ${count}`);
  const head = columns.map((column) => `<th>${escapeHtml(column)}</th>`).join('');
  const rows = shown.map((record) => `<tr>${columns.map((column) => cellOf(record[column], maxLength)).join('')}</tr>`);
  return [
    '<table class="rxdgt-records" style="border-collapse: collapse; text-align: left; white-space: pre-wrap">',
    `<caption style="text-align: left">${caption}</caption>`,
    `<thead><tr>${head}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}
