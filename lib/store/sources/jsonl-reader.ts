import { ConfigError } from '../../errors/config-error.ts';
import { isPlainObject } from '../../config/plain-object.ts';
import { readTextLines } from './read-text.ts';

/**
 * Streams the records of a JSONL file line by line: one JSON object per non-blank line. Lines before row `skip`
 * are counted, not parsed. Returns the file's row count.
 *
 * ## Example
 * ```ts
 * for await (const record of readJsonlRecords('/data/seeds.jsonl', 0)) console.log(record); // { q: 'a' } ...
 * ```
 *
 * @throws {ConfigError} for a line that is not JSON or not an object, naming `path` and the line
 * @throws {DatastoreError} when the file cannot be read
 */
export async function* readJsonlRecords(path: string, skip: number): AsyncGenerator<Record<string, unknown>, number, undefined> {
  let row = 0;
  for await (const { text, line } of readTextLines(path)) {
    if (text.trim() === '') continue;
    row += 1;
    if (row > skip) yield parseLine(text, line, path);
  }
  return row;
}

function parseLine(text: string, line: number, file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`line ${line}: invalid JSON: ${(error as Error).message}`, { file, cause: error });
  }
  if (!isPlainObject(value)) {
    const received = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    throw new ConfigError(`line ${line}: expected a JSON object, received ${received}`, { file });
  }
  return value;
}
