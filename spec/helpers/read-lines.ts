import { existsSync, readFileSync } from 'node:fs';

/** The parsed lines of a JSONL file; [] when it does not exist. */
export function readLines<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}
