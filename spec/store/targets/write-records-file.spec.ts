import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { outputFormats } from '../../../lib/config/datastore-spec.ts';
import { ConfigError } from '../../../lib/errors/config-error.ts';
import { DatastoreError } from '../../../lib/errors/datastore-error.ts';
import { writeRecordsFile } from '../../../lib/store/targets/write-records-file.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { failingStream, streamOf, variedRecords } from './record-fixtures.ts';

const isRoot = process.getuid?.() === 0;

describe('writeRecordsFile', () => {
  test.each(outputFormats)('%s: writes every record and creates the folder', async (format) => {
    const path = join(tempDir(), 'task', `final_data.${format}`);
    expect(await writeRecordsFile(format, path, streamOf(variedRecords))).toBe(variedRecords.length);
    expect(readdirSync(join(path, '..'))).toEqual([`final_data.${format}`]);
  });

  test('jsonl: the bytes are JSON.stringify(record) + "\\n" per record', async () => {
    const path = join(tempDir(), 'final_data.jsonl');
    await writeRecordsFile('jsonl', path, streamOf(variedRecords));
    expect(readFileSync(path, 'utf8')).toBe(variedRecords.map((record) => `${JSON.stringify(record)}\n`).join(''));
  });

  test('csv: takes the dialect of the options', async () => {
    const path = join(tempDir(), 'final_data.csv');
    await writeRecordsFile('csv', path, streamOf([{ a: 'x;y', b: 1 }]), { csv: { delimiter: ';', lineterminator: '\n' } });
    expect(readFileSync(path, 'utf8')).toBe('a;b\n"x;y";1\n');
  });

  test('csv: a bad dialect is a ConfigError and leaves nothing behind', async () => {
    const dir = tempDir();
    const written = writeRecordsFile('csv', join(dir, 'final_data.csv'), streamOf([{ a: 1 }]), { csv: { delimiter: '' } });
    await expect(written).rejects.toSatisfy(ConfigError.isInstance);
    expect(readdirSync(dir)).toEqual([]);
  });

  describe.each(outputFormats)('%s', (format) => {
    // The columnar formats read the records twice (JSONL once): failing on any pass must leave nothing behind.
    test.each(format === 'jsonl' ? [1] : [1, 2])('a stream that throws midway on pass %i leaves no file and no temporary file', async (pass) => {
      const dir = tempDir();
      const path = join(dir, `final_data.${format}`);
      const failure = new Error('ledger broke');
      const written = writeRecordsFile(format, path, failingStream(variedRecords, 3, failure, pass));
      await expect(written).rejects.toBe(failure);
      expect(readdirSync(dir)).toEqual([]);
    });

    test('a failed write keeps the old content of an existing file', async () => {
      const dir = tempDir();
      const path = join(dir, `final_data.${format}`);
      writeFileSync(path, 'old content');
      const failure = new Error('ledger broke');
      await expect(writeRecordsFile(format, path, failingStream(variedRecords, 2, failure))).rejects.toBe(failure);
      expect(readFileSync(path, 'utf8')).toBe('old content');
      expect(readdirSync(dir)).toEqual([`final_data.${format}`]);
    });

    test('a folder that is a regular file is a DatastoreError naming the path', async () => {
      const dir = tempDir();
      writeFileSync(join(dir, 'out'), 'a file');
      const path = join(dir, 'out', `final_data.${format}`);
      const written = writeRecordsFile(format, path, streamOf(variedRecords));
      await expect(written).rejects.toSatisfy(DatastoreError.isInstance);
      await expect(written).rejects.toMatchObject({
        path,
        code: 'ENOTDIR',
        message: `${path}: cannot write: a parent of it is a file, not a directory`,
      });
      expect(readdirSync(dir)).toEqual(['out']);
    });

    test.skipIf(isRoot)('an unwritable folder is a DatastoreError: permission denied', async () => {
      const dir = tempDir();
      const folder = join(dir, 'locked');
      mkdirSync(folder, { mode: 0o500 });
      try {
        const path = join(folder, `final_data.${format}`);
        const written = writeRecordsFile(format, path, streamOf(variedRecords));
        await expect(written).rejects.toMatchObject({ path, code: 'EACCES', message: `${path}: cannot write: permission denied` });
        await expect(written).rejects.toSatisfy(DatastoreError.isInstance);
        expect(readdirSync(folder)).toEqual([]);
      } finally {
        chmodSync(folder, 0o700);
      }
    });

    test('a path that is a folder is a DatastoreError, and the temporary file is removed', async () => {
      const dir = tempDir();
      const path = join(dir, `final_data.${format}`);
      mkdirSync(join(path, 'inside'), { recursive: true });
      const written = writeRecordsFile(format, path, streamOf(variedRecords));
      await expect(written).rejects.toSatisfy(DatastoreError.isInstance);
      await expect(written).rejects.toMatchObject({ path });
      expect(readdirSync(dir)).toEqual([`final_data.${format}`]);
    });

    test.skipIf(format === 'jsonl')('records that change between passes are a DatastoreError, not a file missing a column', async () => {
      const dir = tempDir();
      const path = join(dir, `final_data.${format}`);
      let pass = 0;
      const changing = () => {
        pass += 1;
        return streamOf(pass === 1 ? [{ a: 1 }] : [{ a: 1, b: 2 }])();
      };
      const written = writeRecordsFile(format, path, changing);
      await expect(written).rejects.toThrow(`${path}: cannot write: a record has the key \`b\`, unseen in the first pass`);
      expect(existsSync(path)).toBe(false);
    });

    test('empty input gives a valid empty file', async () => {
      const path = join(tempDir(), `final_data.${format}`);
      expect(await writeRecordsFile(format, path, streamOf([]))).toBe(0);
      expect(existsSync(path)).toBe(true);
    });
  });
});
