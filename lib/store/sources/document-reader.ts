import { extname } from 'node:path';
import { parseJson, toRecords } from '../../config/record-parsers.ts';
import { parseYamlText } from '../../config/yaml-file.ts';
import { readWholeText } from './read-text.ts';

/**
 * Reads the records of a whole `.json`, `.yaml` or `.yml` document: a list gives its items, one object gives one
 * record, an empty document none. Yields them from row `skip` on and returns the document's row count.
 *
 * ## Example
 * ```ts
 * for await (const record of readDocumentRecords('/data/seeds.yaml', 1)) console.log(record); // the second item on
 * ```
 *
 * @throws {ConfigError} for malformed JSON or YAML, or an item that is not an object, naming `path`
 * @throws {DatastoreError} when the file cannot be read
 */
export async function* readDocumentRecords(path: string, skip: number): AsyncGenerator<Record<string, unknown>, number, undefined> {
  const text = await readWholeText(path);
  const content = extname(path).toLowerCase() === '.json' ? parseJson(text, path) : parseYamlText(text, path);
  const records = toRecords(content, path);
  for (let index = skip; index < records.length; index += 1) yield records[index]!;
  return records.length;
}
