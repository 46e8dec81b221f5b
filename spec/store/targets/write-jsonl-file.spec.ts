import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { writeJsonlFile } from '../../../lib/store/targets/write-jsonl-file.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { generatedStream, streamOf, variedRecords } from './record-fixtures.ts';

describe('writeJsonlFile', () => {
  test('writes exactly JSON.stringify(record) + "\\n" per record, in one pass', async () => {
    const path = join(tempDir(), 'data.jsonl');
    const records = streamOf(variedRecords);
    expect(await writeJsonlFile(path, records)).toBe(variedRecords.length);
    expect(readFileSync(path, 'utf8')).toBe(variedRecords.map((record) => `${JSON.stringify(record)}\n`).join(''));
    expect(records.passes).toBe(1);
  });

  test('round-trips the varied records', async () => {
    const path = join(tempDir(), 'data.jsonl');
    await writeJsonlFile(path, streamOf(variedRecords));
    const lines = readFileSync(path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(variedRecords);
  });

  test('output larger than one write buffer is written whole', async () => {
    const path = join(tempDir(), 'data.jsonl');
    const make = (index: number) => ({ index, text: `${'é'.repeat(500)}${index}` });
    expect(await writeJsonlFile(path, generatedStream(5_000, make))).toBe(5_000);
    const expected = Array.from({ length: 5_000 }, (_, index) => `${JSON.stringify(make(index))}\n`).join('');
    expect(readFileSync(path, 'utf8')).toBe(expected);
  });

  test('no records give an empty file', async () => {
    const path = join(tempDir(), 'data.jsonl');
    expect(await writeJsonlFile(path, streamOf([]))).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('');
  });
});
