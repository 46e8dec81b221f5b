import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readCorpus } from '../../lib/search/read-corpus.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const where = { file: 'task.yaml', field: 'tools.engines.kb.path' };

describe('readCorpus', () => {
  test("projects corpus fields to `id` and `text` as DGT does; the other fields become metadata", () => {
    const path = join(tempDir(), 'documents.jsonl');
    writeFileSync(path, '{"doc_id": "h1", "body": "Open 9 to 5.", "title": "Hours"}\n\n{"body": "No id here."}\n');
    expect(readCorpus(path, { format: 'jsonl', projection: { body: 'text', doc_id: 'id' } }, where)).toEqual([
      { id: 'h1', text: 'Open 9 to 5.', metadata: { title: 'Hours' } },
      { id: '1', text: 'No id here.' },
    ]);
  });

  test("DGT's quirk kept: with a projection whose corpus fields are missing, `id` and `text` fall back to the record's own and also stay in metadata", () => {
    const path = join(tempDir(), 'documents.jsonl');
    writeFileSync(path, '{"id": "Reg#3_0", "title": "Registrations", "domain": "dmv", "text": "Your registration sticker..."}\n');
    expect(readCorpus(path, { format: 'jsonl', projection: { body: 'text', doc_id: 'id' } }, where)).toEqual([
      { id: 'Reg#3_0', text: 'Your registration sticker...', metadata: { id: 'Reg#3_0', title: 'Registrations', domain: 'dmv', text: 'Your registration sticker...' } },
    ]);
    expect(readCorpus(path, { format: 'jsonl', projection: {} }, where)).toEqual([{ id: 'Reg#3_0', text: 'Your registration sticker...', metadata: { title: 'Registrations', domain: 'dmv' } }]);
  });

  test('reads a JSON array', () => {
    const path = join(tempDir(), 'documents.json');
    writeFileSync(path, JSON.stringify([{ id: 7, text: 'Seven.' }]));
    expect(readCorpus(path, { format: 'json', projection: {} }, where)).toEqual([{ id: '7', text: 'Seven.' }]);
  });

  test('a missing file, a bad line, a file that is not an array, a record that is not an object: ConfigErrors naming the file and field', () => {
    const dir = tempDir();
    const expectError = (path: string, format: 'json' | 'jsonl', message: string) =>
      expect(() => readCorpus(path, { format, projection: {} }, where)).toThrow(expect.objectContaining({ name: 'ConfigError', file: 'task.yaml', field: 'tools.engines.kb.path', message: expect.stringContaining(message) }));
    expectError(join(dir, 'missing.jsonl'), 'jsonl', 'cannot read the corpus file');
    writeFileSync(join(dir, 'bad.jsonl'), '{"id": 1}\n{oops\n');
    expectError(join(dir, 'bad.jsonl'), 'jsonl', 'line 2 of the corpus file');
    writeFileSync(join(dir, 'object.json'), '{"id": 1}');
    expectError(join(dir, 'object.json'), 'json', 'is not a JSON array of records');
    writeFileSync(join(dir, 'numbers.jsonl'), '{"id": 1}\n42\n');
    expectError(join(dir, 'numbers.jsonl'), 'jsonl', 'record 2 of the corpus file');
  });
});
