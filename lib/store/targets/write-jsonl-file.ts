import type { RecordStream } from './record-stream.ts';
import { writeTextFile } from './write-text-file.ts';

/**
 * Writes one `JSON.stringify(record)` line per record, each ending in `\n`: the same bytes as the run's own JSONL
 * files, so a JSONL file can be copied instead. One pass. Resolves with the number of records.
 */
export async function writeJsonlFile(path: string, records: RecordStream): Promise<number> {
  let count = 0;
  async function* lines(): AsyncGenerator<string> {
    for await (const record of records()) {
      count += 1;
      yield `${JSON.stringify(record)}\n`;
    }
  }
  await writeTextFile(path, lines());
  return count;
}
