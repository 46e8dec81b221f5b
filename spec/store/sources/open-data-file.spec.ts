import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { dataFileFormats, openDataFile } from '../../../lib/store/sources/open-data-file.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, drain, writeFiles, writeParquet } from './fixtures.ts';

describe('openDataFile', () => {
  test('picks the reader by extension, case-insensitively', async () => {
    const dir = writeFiles(tempDir(), {
      'a.JSONL': '{"f":"jsonl"}\n',
      'b.json': '{"f":"json"}',
      'c.Yaml': 'f: yaml\n',
      'd.csv': 'f\ncsv\n',
      'e.TXT': 'plain',
    });
    writeParquet(join(dir, 'f.parquet'), [{ name: 'f', data: ['parquet'], type: 'STRING' }], 10);
    const read = async (name: string) => (await drain((await openDataFile(join(dir, name))).read(0))).items;
    expect(await read('a.JSONL')).toEqual([{ f: 'jsonl' }]);
    expect(await read('b.json')).toEqual([{ f: 'json' }]);
    expect(await read('c.Yaml')).toEqual([{ f: 'yaml' }]);
    expect(await read('d.csv')).toEqual([{ f: 'csv' }]);
    expect(await read('e.TXT')).toEqual([{ text: 'plain' }]);
    expect(await read('f.parquet')).toEqual([{ f: 'parquet' }]);
  });

  test('passes the CSV dialect on', async () => {
    const path = join(writeFiles(tempDir(), { 'd.csv': 'a;b\n' }), 'd.csv');
    const entry = await openDataFile(path, { csv: { delimiter: ';', has_header: false } });
    expect((await drain(entry.read(0))).items).toEqual([{ 0: 'a', 1: 'b' }]);
  });

  test('an unsupported extension names the task file, the field, the path and the supported formats', async () => {
    const path = join(writeFiles(tempDir(), { 'data.xlsx': 'PK' }), 'data.xlsx');
    const error = await configErrorOf(openDataFile(path, { file: '/t/task.yaml', field: 'seed_datastore.data_path' }));
    expect(error.file).toBe('/t/task.yaml');
    expect(error.field).toBe('seed_datastore.data_path');
    expect(error.message).toContain(`unsupported data format \`.xlsx\` for \`${path}\` (supported: ${dataFileFormats.join(', ')})`);
    expect(dataFileFormats).toEqual(['.jsonl', '.json', '.yaml', '.yml', '.csv', '.parquet', '.txt', '.md']);
  });

  test('`formats` narrows what is accepted', async () => {
    const path = writeParquet(join(tempDir(), 'f.parquet'), [{ name: 'f', data: ['x'], type: 'STRING' }], 10);
    expect((await configErrorOf(openDataFile(path, { formats: ['.jsonl', '.csv'] }))).message).toContain('(supported: .jsonl, .csv)');
  });
});
