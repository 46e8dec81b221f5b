import { readFile } from 'node:fs/promises';

/**
 * Reads the objects of a JSONL file the run wrote; a missing file is empty. A last line cut short by a
 * crash is ignored (it was never reported downstream); a bad line elsewhere is an error naming the line.
 */
export async function readJsonl<T>(path: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n');
  // Without a trailing newline the last line was cut short; with one, the last entry is empty.
  const complete = lines.length - 1;
  const values: T[] = [];
  for (let index = 0; index < complete; index += 1) {
    const line = lines[index] as string;
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line) as T);
    } catch {
      throw new Error(`${path}: line ${index + 1} is not valid JSON`);
    }
  }
  return values;
}
