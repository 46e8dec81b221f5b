import { readFileSync } from 'node:fs';
import { errorMessage } from '../error-message.ts';
import { ConfigError } from '../errors/config-error.ts';
import { type SearchDocument, searchDocument } from './search-document.ts';

/** How a corpus file is read: its format and DGT's `projection` (corpus field name → canonical `text` or `id`). */
export interface CorpusFormat {
  readonly format: 'jsonl' | 'json';
  readonly projection: Readonly<Record<string, string>>;
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One corpus record as a document, as DGT projects it: `text` from the corpus field projected to `text` (else the
 * record's own `text`, else ''), `id` likewise (else the record's position); `metadata` is every field but the two
 * projected names (so with `{ body: text }` over records that have `text`, `text` also lands in `metadata`, as in DGT).
 */
function toDocument(record: Readonly<Record<string, unknown>>, index: number, projection: Readonly<Record<string, string>>): SearchDocument {
  const corpusKeyOf = (canonical: string): string => Object.entries(projection).findLast(([, name]) => name === canonical)?.[0] ?? canonical;
  const textKey = corpusKeyOf('text');
  const idKey = corpusKeyOf('id');
  const text = record[textKey] ?? record['text'] ?? '';
  const id = record[idKey] ?? record['id'] ?? String(index);
  const metadata = Object.fromEntries(Object.entries(record).filter(([key]) => key !== textKey && key !== idKey));
  return searchDocument({ id: String(id), text: String(text), metadata });
}

/**
 * Reads a corpus file (JSONL, or a JSON array of records) into documents, in file order (DGT's `_load_corpus` and
 * `_to_document`).
 *
 * ## Example
 * ```ts
 * // documents.jsonl: {"doc_id": "h1", "body": "Open 9 to 5.", "title": "Hours"}
 * readCorpus('/task/documents.jsonl', { format: 'jsonl', projection: { body: 'text', doc_id: 'id' } }, { file: 'task.yaml', field: 'tools.engines.kb.path' });
 * // [{ id: 'h1', text: 'Open 9 to 5.', metadata: { title: 'Hours' } }]
 * ```
 * @throws {ConfigError} naming `where` when the file is missing or unreadable, a line or the file is not JSON, or a
 *   record is not an object
 */
export function readCorpus(path: string, corpus: CorpusFormat, where: { readonly file: string | undefined; readonly field: string }): SearchDocument[] {
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the corpus file \`${path}\`: ${errorMessage(error)}`, { ...where, cause: error });
  }
  const records: unknown[] = [];
  if (corpus.format === 'json') {
    try {
      const parsed = JSON.parse(source) as unknown;
      if (!Array.isArray(parsed)) throw new Error('expected a JSON array of records');
      records.push(...parsed);
    } catch (error) {
      throw new ConfigError(`the corpus file \`${path}\` is not a JSON array of records: ${errorMessage(error)}`, where);
    }
  } else {
    source.split('\n').forEach((line, index) => {
      if (!line.trim()) return;
      try {
        records.push(JSON.parse(line) as unknown);
      } catch (error) {
        throw new ConfigError(`line ${index + 1} of the corpus file \`${path}\` is not JSON: ${errorMessage(error)}`, where);
      }
    });
  }
  return records.map((record, index) => {
    if (!isRecord(record)) throw new ConfigError(`record ${index + 1} of the corpus file \`${path}\` is not an object`, where);
    return toDocument(record, index, corpus.projection);
  });
}
