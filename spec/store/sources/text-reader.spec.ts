import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readTextRecord } from '../../../lib/store/sources/text-reader.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { drain, writeFiles } from './fixtures.ts';

describe('readTextRecord', () => {
  test('one record holding the whole text; nothing when skipped', async () => {
    const path = join(writeFiles(tempDir(), { 'doc.md': '# Title\n\nBody\n' }), 'doc.md');
    expect(await drain(readTextRecord(path, 0))).toEqual({ items: [{ text: '# Title\n\nBody\n' }], returned: 1 });
    expect(await drain(readTextRecord(path, 1))).toEqual({ items: [], returned: 1 });
  });
});
