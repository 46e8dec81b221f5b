import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Field, Float64, Int64, List, Struct, Table, TimestampMillisecond, Utf8, vectorFromArray } from 'apache-arrow';
import { describe, expect, test } from 'vitest';
import { openDatasetFolder } from '../../../lib/store/sources/dataset-folder.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, drain, writeDataset, writeDatasetDict } from './fixtures.ts';

function questions(...texts: string[]): Table {
  return new Table({ question: vectorFromArray(texts, new Utf8()) });
}

const where = { file: '/tasks/task.yaml', pathField: 'seed_datastore.data_path', splitField: 'seed_datastore.data_split' };

describe('openDatasetFolder', () => {
  test('a DatasetDict: reads the `train` split by default, another when asked; the entry path is the split folder', async () => {
    const folder = writeDatasetDict(join(tempDir(), 'qa'), { train: [questions('a', 'b')], test: [questions('t')] });
    const train = await openDatasetFolder(folder, undefined, where);
    expect(train.path).toBe(join(folder, 'train'));
    expect(await drain(train.read(0))).toEqual({ items: [{ question: 'a' }, { question: 'b' }], returned: 2 });
    const test_ = await openDatasetFolder(folder, 'test', where);
    expect((await drain(test_.read(0))).items).toEqual([{ question: 't' }]);
  });

  test('an unknown split is a ConfigError naming the field and the known splits', async () => {
    const folder = writeDatasetDict(join(tempDir(), 'qa'), { train: [questions('a')], validation: [questions('v')] });
    const error = await configErrorOf(openDatasetFolder(folder, 'test', where));
    expect(error.file).toBe('/tasks/task.yaml');
    expect(error.field).toBe('seed_datastore.data_split');
    expect(error.message).toContain('unknown split `test`');
    expect(error.message).toContain('(known: train, validation)');
  });

  test('a single Dataset folder: its data files in the listed order, converted to plain records', async () => {
    const first = new Table({
      id: vectorFromArray([1n, 2n ** 63n - 1n], new Int64()),
      at: vectorFromArray([new Date(Date.UTC(2024, 4, 1)), new Date(0)], new TimestampMillisecond()),
    });
    const second = new Table({
      id: vectorFromArray([3n], new Int64()),
      at: vectorFromArray([new Date(Date.UTC(2000, 0, 1))], new TimestampMillisecond()),
    });
    const folder = writeDataset(join(tempDir(), 'ds'), [first, second]);
    const entry = await openDatasetFolder(folder, undefined, where);
    expect(entry.path).toBe(folder);
    expect(await drain(entry.read(1))).toEqual({
      items: [
        { id: '9223372036854775807', at: '1970-01-01T00:00:00.000Z' },
        { id: 3, at: '2000-01-01T00:00:00.000Z' },
      ],
      returned: 3,
    });
  });

  test('nested features (structs, sequences) become plain objects and arrays', async () => {
    const meta = new Struct([new Field('source', new Utf8()), new Field('score', new Float64())]);
    const turns = new List(new Field('item', new Utf8()));
    const table = new Table({
      meta: vectorFromArray([{ source: 'web', score: 0.5 }], meta),
      turns: vectorFromArray([['hi', 'bye']], turns),
    });
    const folder = writeDataset(join(tempDir(), 'ds'), [table]);
    const entry = await openDatasetFolder(folder, undefined, where);
    expect((await drain(entry.read(0))).items).toEqual([{ meta: { source: 'web', score: 0.5 }, turns: ['hi', 'bye'] }]);
  });

  test('a single Dataset saved as another split rejects an explicit `data_split`, naming its own', async () => {
    const folder = writeDataset(join(tempDir(), 'ds'), [questions('a')], 'validation');
    expect((await openDatasetFolder(folder, 'validation', where)).path).toBe(folder);
    expect((await openDatasetFolder(folder, undefined, where)).path).toBe(folder);
    const error = await configErrorOf(openDatasetFolder(folder, 'train', where));
    expect(error.message).toContain('unknown split `train`');
    expect(error.message).toContain('(known: validation)');
  });

  test('a folder that is neither layout says what was expected', async () => {
    const folder = tempDir();
    writeFileSync(join(folder, 'notes.txt'), 'not a dataset');
    const error = await configErrorOf(openDatasetFolder(folder, undefined, where));
    expect(error.field).toBe('seed_datastore.data_path');
    expect(error.message).toContain(`\`${folder}\` is a folder but not a HuggingFace dataset saved with \`save_to_disk\``);
    expect(error.message).toContain('`dataset_dict.json`');
    expect(error.message).toContain('`state.json`');
  });

  test('a data file listed in state.json but missing, or a path outside the folder, is a ConfigError naming state.json', async () => {
    const folder = writeDataset(join(tempDir(), 'ds'), [questions('a')]);
    rmSync(join(folder, 'data-00000-of-00001.arrow'));
    const missing = await configErrorOf(openDatasetFolder(folder, undefined, where));
    expect(missing.file).toBe(join(folder, 'state.json'));
    expect(missing.message).toContain('`data-00000-of-00001.arrow`, which is missing');
    writeFileSync(join(folder, 'state.json'), JSON.stringify({ _data_files: [{ filename: '../elsewhere.arrow' }] }));
    expect((await configErrorOf(openDatasetFolder(folder, undefined, where))).message).toContain('is not a file name in the folder');
  });

  test('a malformed dataset_dict.json names itself', async () => {
    const folder = tempDir();
    writeFileSync(join(folder, 'dataset_dict.json'), '{"splits": "train"}');
    const error = await configErrorOf(openDatasetFolder(folder, undefined, where));
    expect(error.file).toBe(join(folder, 'dataset_dict.json'));
    expect(error.message).toContain('expected `splits`, a list of split names');
  });
});
