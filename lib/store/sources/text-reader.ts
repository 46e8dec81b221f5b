import { readWholeText } from './read-text.ts';

/**
 * Reads a `.txt` or `.md` file as one record, `{ text: <whole content> }` (DGT yields the raw text; a source yields
 * records). Nothing is read when `skip` passes it. Returns 1.
 *
 * ## Example
 * ```ts
 * for await (const record of readTextRecord('/data/doc.md', 0)) console.log(record); // { text: '# Title\n' }
 * ```
 *
 * @throws {DatastoreError} when the file cannot be read
 */
export async function* readTextRecord(path: string, skip: number): AsyncGenerator<Record<string, unknown>, number, undefined> {
  if (skip === 0) yield { text: await readWholeText(path) };
  return 1;
}
