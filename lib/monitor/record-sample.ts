import type { RecordIssue } from '../record.ts';
import { valueText } from '../text/value-text.ts';

/** Characters of a field's value a sample keeps; longer values end with `…`. */
export const sampleValueChars = 240;
/** Fields a sample keeps, in the record's order. */
export const sampleFieldCount = 12;
/** Fields every record carries that say nothing about it. */
const skippedFields = new Set(['task_name', 'is_seed', 'issues']);
/** A rejected record's in-context examples: other records, left out of the rejection logs too. */
const skippedRejectedFields = new Set([...skippedFields, 'examples']);

/** A record shown on the monitor page: each field's value as text, cut to {@link sampleValueChars}. */
export interface RecordSample {
  readonly fields: readonly (readonly [name: string, text: string])[];
  /** Why it was rejected (for a rejected record): the block, the code and the message of each issue. */
  readonly issues?: readonly { readonly block: string; readonly code: string; readonly message: string }[];
}

/** `text` cut to `chars`, with `…` when it was longer. */
export function truncateText(text: string, chars = sampleValueChars): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}

/**
 * A record (untrusted: any JSON value) as a sample: its first fields (not `task_name`, `is_seed`, nor a rejection's
 * `issues` and `examples`, as its rejection log line leaves them out) with each value as text, strings as they are,
 * anything else as JSON, cut to a few hundred characters.
 *
 * ## Example
 * ```ts
 * sampleOf({ task_name: 't', is_seed: false, question: 'Why?', score: 3 });
 * // { fields: [['question', 'Why?'], ['score', '3']] }
 * ```
 */
export function sampleOf(record: unknown, issues?: readonly RecordIssue[]): RecordSample {
  const entries = typeof record === 'object' && record !== null && !Array.isArray(record) ? Object.entries(record) : [['value', record] as const];
  const fields = entries
    .filter(([name]) => !(issues === undefined ? skippedFields : skippedRejectedFields).has(name))
    .slice(0, sampleFieldCount)
    .map(([name, value]) => [truncateText(name, 80), truncateText(valueText(value))] as const);
  if (issues === undefined) return { fields };
  return {
    fields,
    issues: issues.slice(0, sampleFieldCount).map((issue) => ({ block: String(issue.block), code: String(issue.code), message: truncateText(String(issue.message)) })),
  };
}

/** Keeps the last `limit` items: pushes `item`, drops the oldest beyond the limit. */
export function keepLast<T>(items: T[], item: T, limit: number): void {
  items.push(item);
  if (items.length > limit) items.splice(0, items.length - limit);
}

