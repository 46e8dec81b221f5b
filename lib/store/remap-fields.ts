import type { Fields } from '../record.ts';
import { getField, parseFieldPath, setField, type FieldPath } from '../text/field-path.ts';

/**
 * Builds the record remap of a DGT dataloader's `fields` setting (source path → target path, in
 * field-path syntax). `{"*": "*"}` alone, or no entries, keeps records as they are (the same object);
 * `"*": "*"` next to renames keeps every field and adds the renamed ones (sources stay); without it a record
 * keeps only the listed targets. Entries apply in order, so a later target overwrites an earlier one. Paths
 * are parsed here, once; records are never modified.
 *
 * ## Example
 * ```ts
 * const remap = remapFields({ '*': '*', text: 'content', 'meta.lang': 'language', 'meta.region': 'location.region' });
 * remap({ id: 1, text: 't', meta: { lang: 'en', region: 'eu' } });
 * // { id: 1, text: 't', meta: { lang: 'en', region: 'eu' }, content: 't', language: 'en', location: { region: 'eu' } }
 * remapFields({ question: 'instruction' })({ question: 'q?', answer: 'a' }); // { instruction: 'q?' }
 * remapFields({ 'missing.key': 'out' })({ id: 1 });
 * // throws Error: fields: cannot map `missing.key` to `out`: field path `missing.key`: `missing` is absent; the record has fields id
 * ```
 *
 * @param fields source path → target path; `"*"` may only map to `"*"`.
 * @returns a function from a record to its remapped copy.
 * @throws {TypeError} at once, when a path is malformed, a source appends (`[+]`), a target slices, or `"*"`
 * maps to anything but `"*"`. The returned function throws an Error naming the source field when a record
 * lacks it or a path meets the wrong kind of value.
 */
export function remapFields(fields: Readonly<Record<string, string>>): (record: Fields) => Fields {
  const keepAll = Object.hasOwn(fields, '*');
  if (keepAll && fields['*'] !== '*') {
    throw new TypeError(`fields: \`*\` keeps every field and must map to \`*\`, received ${JSON.stringify(fields['*'])}`);
  }
  const entries = Object.entries(fields).filter(([source]) => source !== '*').map(([source, target]) => parseEntry(source, target));
  if (entries.length === 0) return (record) => record;
  return (record) => {
    let result: Fields = keepAll ? record : {};
    for (const { source, target } of entries) {
      try {
        result = setField(result, target, getField(record, source));
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        throw new Error(`fields: cannot map \`${source.text}\` to \`${target.text}\`: ${detail}`, { cause: error });
      }
    }
    return result;
  };
}

function parseEntry(source: string, target: unknown): { source: FieldPath; target: FieldPath } {
  if (typeof target !== 'string') throw new TypeError(`fields: \`${source}\` must map to a field path, received ${typeof target}`);
  const entry = { source: parseFieldPath(source), target: parseFieldPath(target) };
  if (entry.source.steps.some((step) => step.kind === 'append')) {
    throw new TypeError(`fields: source \`${source}\` appends (\`[+]\`); only a target can`);
  }
  if (entry.target.steps.some((step) => step.kind === 'slice')) {
    throw new TypeError(`fields: target \`${target}\` of \`${source}\` is a slice; a slice cannot be written`);
  }
  return entry;
}
