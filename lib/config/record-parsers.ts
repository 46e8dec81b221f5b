import { ConfigError } from '../errors/config-error.ts';
import { isPlainObject } from './plain-object.ts';

/** Parses JSONL: one object per non-blank line; a bad line is a ConfigError naming `file` and the line. */
export function parseJsonLines(text: string, file: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new ConfigError(`line ${index + 1}: invalid JSON: ${(error as Error).message}`, { file, cause: error });
    }
    if (!isPlainObject(value)) throw new ConfigError(`line ${index + 1}: expected a JSON object, received ${describe(value)}`, { file });
    records.push(value);
  });
  return records;
}

/** Parses a JSON document; a syntax error names `file` and, when known, the line. */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const line = position === undefined ? '' : ` at line ${text.slice(0, Number(position)).split('\n').length}`;
    throw new ConfigError(`invalid JSON${line}: ${(error as Error).message}`, { file, cause: error });
  }
}

/** A list of objects as records, one object as one record, nothing as none; anything else is a ConfigError. */
export function toRecords(content: unknown, file: string): Record<string, unknown>[] {
  if (content === null || content === undefined) return [];
  const items = Array.isArray(content) ? content : [content];
  return items.map((item, index) => {
    if (!isPlainObject(item)) {
      const where = Array.isArray(content) ? `item ${index}: ` : '';
      throw new ConfigError(`${where}expected an object (or a list of objects), received ${describe(item)}`, { file });
    }
    return item;
  });
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
