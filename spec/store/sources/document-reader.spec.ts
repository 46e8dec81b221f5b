import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDocumentRecords } from '../../../lib/store/sources/document-reader.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { configErrorOf, drain, writeFiles } from './fixtures.ts';

describe('readDocumentRecords', () => {
  test('a JSON or YAML list gives its items, one object one record, an empty document none', async () => {
    const dir = writeFiles(tempDir(), {
      'list.json': '[{"q":"a"},{"q":"b"}]',
      'one.json': '{"q":"c"}',
      'list.yaml': '- q: d\n- q: e\n',
      'one.yml': 'q: f\n',
      'empty.yaml': '',
    });
    expect(await drain(readDocumentRecords(join(dir, 'list.json'), 0))).toEqual({ items: [{ q: 'a' }, { q: 'b' }], returned: 2 });
    expect((await drain(readDocumentRecords(join(dir, 'one.json'), 0))).items).toEqual([{ q: 'c' }]);
    expect((await drain(readDocumentRecords(join(dir, 'list.yaml'), 1))).items).toEqual([{ q: 'e' }]);
    expect((await drain(readDocumentRecords(join(dir, 'one.yml'), 0))).items).toEqual([{ q: 'f' }]);
    expect(await drain(readDocumentRecords(join(dir, 'empty.yaml'), 0))).toEqual({ items: [], returned: 0 });
  });

  test('malformed content is a ConfigError naming the file', async () => {
    const dir = writeFiles(tempDir(), { 'bad.json': '[{"q":"a"}, 3]', 'bad.yaml': 'q: [unclosed\n' });
    const notObject = await configErrorOf(drain(readDocumentRecords(join(dir, 'bad.json'), 0)));
    expect(notObject.message).toBe(`${join(dir, 'bad.json')}: item 1: expected an object (or a list of objects), received number`);
    const yaml = await configErrorOf(drain(readDocumentRecords(join(dir, 'bad.yaml'), 0)));
    expect(yaml.file).toBe(join(dir, 'bad.yaml'));
    expect(yaml.message).toContain('invalid YAML');
  });
});
