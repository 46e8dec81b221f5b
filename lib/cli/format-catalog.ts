import type { Catalog } from './catalog.ts';
import type { FieldInfo } from './describe-fields.ts';

/** One entry of a section: its head cells, then lines under it (its fields, its inputs). */
interface Entry {
  readonly head: readonly string[];
  readonly fields: readonly FieldInfo[];
  readonly notes?: readonly string[];
}

/** Cells joined by two spaces, each but the last padded to its column's width. */
function aligned(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows.map((row) => `${indent}${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] as number))).join('  ')}`.trimEnd());
}

function fieldCells(field: FieldInfo): string[] {
  const presence = 'default' in field ? `default ${JSON.stringify(field.default)}` : field.required ? 'required' : 'optional';
  return [field.name, field.type, presence];
}

/** A section: its title, each entry's head line (aligned across the section), and its fields below it (aligned within the entry). */
function section(title: string, entries: readonly Entry[]): string[] {
  const heads = aligned(
    entries.map((entry) => entry.head),
    '  ',
  );
  return [
    `${title} (${entries.length}):`,
    ...entries.flatMap((entry, index) => [heads[index] as string, ...aligned(entry.fields.map(fieldCells), '    '), ...(entry.notes ?? []).map((note) => `    ${note}`)]),
  ];
}

/**
 * The catalog as plain aligned text, for `rxdgt list`: one section per topic, one head line per entry (a builder's
 * name and kind, a block's type and summary, an engine's or formatter's type), each field below it with its type and
 * default (or `required` / `optional`), and a block's inputs.
 *
 * ## Example
 * ```ts
 * formatCatalog({ formatters: [{ type: 'formatters/native', fields: [{ name: 'format', type: 'string|object', required: true }] }] });
 * // 'formatters (1):\n  formatters/native\n    format  string|object  required'
 * ```
 */
export function formatCatalog(catalog: Catalog): string {
  const sections: string[][] = [];
  if (catalog.builders) sections.push(section('builders', catalog.builders.map(({ name, kind, taskFields }) => ({ head: [name, kind], fields: taskFields }))));
  if (catalog.blocks) {
    const inputsNote = (inputs: { readonly required: readonly string[]; readonly optional: readonly string[] } | undefined): string => {
      if (inputs === undefined) return 'inputs: the whole record';
      const parts = [...(inputs.required.length > 0 ? [inputs.required.join(', ')] : []), ...(inputs.optional.length > 0 ? [`optional: ${inputs.optional.join(', ')}`] : [])];
      return `inputs: ${parts.join('; ') || 'none'}`;
    };
    sections.push(section('blocks', catalog.blocks.map(({ type, summary, fields, inputs }) => ({ head: [type, summary], fields, notes: [inputsNote(inputs)] }))));
  }
  if (catalog.engines) sections.push(section('engines', catalog.engines.map(({ type, fields }) => ({ head: [type], fields }))));
  if (catalog.formatters) sections.push(section('formatters', catalog.formatters.map(({ type, fields }) => ({ head: [type], fields }))));
  return sections.map((lines) => lines.join('\n')).join('\n\n');
}
