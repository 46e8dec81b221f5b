import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors/config-error.ts';
import { DatastoreError } from '../../errors/datastore-error.ts';

/** One line of a text file (without its line end) and its 1-based number. */
export interface TextLine {
  readonly text: string;
  readonly line: number;
}

/**
 * The lines of a UTF-8 file, read in chunks (never the file whole); lines end at `\n` or `\r\n`, and a leading
 * byte-order mark is dropped. Stopping the iteration closes the file.
 *
 * @throws {DatastoreError} when the file cannot be read
 */
export async function* readTextLines(path: string): AsyncGenerator<TextLine, void, undefined> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  let rest = '';
  let line = 0;
  let first = true;
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const parts = (first ? chunk.replace(/^\uFEFF/, '') : chunk).split('\n');
      first = false;
      parts[0] = rest + parts[0];
      rest = parts.pop()!;
      for (const text of parts) yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, line: ++line };
    }
  } catch (error) {
    throw readFailure(path, error);
  } finally {
    stream.destroy();
  }
  if (rest !== '') yield { text: rest.endsWith('\r') ? rest.slice(0, -1) : rest, line: line + 1 };
}

/**
 * The whole content of a UTF-8 file, without a leading byte-order mark.
 *
 * @throws {DatastoreError} when the file cannot be read
 */
export async function readWholeText(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    throw readFailure(path, error);
  }
}

/** A file-system failure as a DatastoreError naming `path`; errors rxdgt raised itself pass through. */
export function readFailure(path: string, error: unknown): unknown {
  if (ConfigError.isInstance(error) || DatastoreError.isInstance(error)) return error;
  return new DatastoreError(path, 'read', error);
}
