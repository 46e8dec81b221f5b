import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DatastoreError } from '../../lib/errors/datastore-error.ts';
import { RotatingJsonlWriter } from '../../lib/telemetry/rotating-jsonl-writer.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const dayMs = 24 * 60 * 60 * 1000;

describe('RotatingJsonlWriter', () => {
  test('makes the folder at the first line and appends each line, in order; nothing is made before', () => {
    const dir = join(tempDir(), 'tele');
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'));
    expect(existsSync(dir)).toBe(false);
    writer.append('{"n":1}');
    writer.append('{"n":2}');
    writer.close();
    writer.append('{"n":3}');
    writer.close();
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
  });

  test('rotates before a line would pass maxBytes: the full file is renamed with the UTC time', () => {
    const dir = tempDir();
    const now = Date.parse('2026-01-15T10:23:14.001Z');
    const writer = new RotatingJsonlWriter(join(dir, 'traces.jsonl'), { maxBytes: 20, now: () => now });
    for (const n of [1, 2, 3]) writer.append(`{"line":${n}}`); // 11 bytes each
    writer.close();
    expect(readdirSync(dir).sort()).toEqual(['traces.2026-01-15T10-23-14-001Z-1.jsonl', 'traces.2026-01-15T10-23-14-001Z.jsonl', 'traces.jsonl']);
    expect(readFileSync(join(dir, 'traces.2026-01-15T10-23-14-001Z.jsonl'), 'utf8')).toBe('{"line":1}\n');
    expect(readFileSync(join(dir, 'traces.2026-01-15T10-23-14-001Z-1.jsonl'), 'utf8')).toBe('{"line":2}\n');
    expect(readFileSync(join(dir, 'traces.jsonl'), 'utf8')).toBe('{"line":3}\n');
  });

  test('counts what the file already holds: an existing file near the limit rotates at the next line', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'events.jsonl'), 'x'.repeat(15) + '\n');
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'), { maxBytes: 20, now: () => 0 });
    writer.append('{"n":1}');
    writer.close();
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe('{"n":1}\n');
    expect(readFileSync(join(dir, 'events.1970-01-01T00-00-00-000Z.jsonl'), 'utf8')).toBe('x'.repeat(15) + '\n');
  });

  test('rotation counts UTF-8 bytes, not characters, for lines written together', () => {
    const dir = tempDir();
    const now = Date.parse('2026-01-15T10:23:14.001Z');
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'), { maxBytes: 20, now: () => now });
    // 7 characters but 13 bytes with its newline: two fit in 20 characters, not in 20 bytes.
    writer.append('éééééé');
    writer.append('ôôôôôô');
    writer.close();
    expect(readFileSync(join(dir, 'events.2026-01-15T10-23-14-001Z.jsonl'), 'utf8')).toBe('éééééé\n');
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe('ôôôôôô\n');
  });

  test('lines that fit are written together, each with its newline, in order', () => {
    const dir = tempDir();
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'), { maxBytes: 64 });
    for (const n of [1, 2, 3]) writer.append(`{"n":${n}}`);
    writer.flush();
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n');
    writer.append('{"n":4}');
    writer.close();
    expect(readdirSync(dir)).toEqual(['events.jsonl']);
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe('{"n":1}\n{"n":2}\n{"n":3}\n{"n":4}\n');
  });

  test('lines past the 64 KiB buffer, multi-byte ones and one longer than the buffer come out whole and in order', () => {
    const dir = tempDir();
    const writer = new RotatingJsonlWriter(join(dir, 'traces.jsonl'));
    const lines = Array.from({ length: 3000 }, (_, n) => JSON.stringify({ n, text: 'é𝄞x'.repeat(n % 40) }));
    lines.splice(1500, 0, 'y'.repeat(70_000));
    for (const line of lines) writer.append(line);
    // Lines are on disk once the buffer fills, before any flush.
    expect(readFileSync(join(dir, 'traces.jsonl'), 'utf8').length).toBeGreaterThan(64 * 1024);
    writer.close();
    expect(readFileSync(join(dir, 'traces.jsonl'), 'utf8')).toBe(`${lines.join('\n')}\n`);
  });

  test('rotation between buffered lines keeps each file whole', () => {
    const dir = tempDir();
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'), { maxBytes: 100, now: () => 0 });
    const lines = Array.from({ length: 40 }, (_, n) => `{"n":${n},"pad":"${'ü'.repeat(n % 7)}"}`);
    for (const line of lines) writer.append(line);
    writer.close();
    const files = readdirSync(dir).sort();
    const texts = files.map((name) => readFileSync(join(dir, name), 'utf8'));
    for (const text of texts) {
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
      expect(text.endsWith('\n')).toBe(true);
    }
    const written = texts.flatMap((text) => text.split('\n').filter((line) => line !== ''));
    expect(written.sort()).toEqual([...lines].sort());
    expect(files.length).toBeGreaterThan(5);
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8').endsWith(`${lines.at(-1)}\n`)).toBe(true);
  });

  test('a line longer than maxBytes goes whole into a file of its own', () => {
    const dir = tempDir();
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'), { maxBytes: 4 });
    writer.append('a-long-line');
    writer.close();
    expect(readFileSync(join(dir, 'events.jsonl'), 'utf8')).toBe('a-long-line\n');
  });

  test('deletes its rotated files older than maxAgeDays; newer ones, the live file and other files stay', () => {
    const dir = tempDir();
    const now = Date.now();
    const old = join(dir, 'events.2020-01-01T00-00-00-000Z.jsonl');
    const recent = join(dir, 'events.2026-01-01T00-00-00-000Z.jsonl');
    const otherOld = join(dir, 'traces.2020-01-01T00-00-00-000Z.jsonl');
    for (const path of [old, recent, otherOld, join(dir, 'events.jsonl')]) writeFileSync(path, '{}\n');
    const ageBy = (path: string, days: number) => utimesSync(path, (now - days * dayMs) / 1000, (now - days * dayMs) / 1000);
    ageBy(old, 15);
    ageBy(recent, 13);
    ageBy(otherOld, 30);
    ageBy(join(dir, 'events.jsonl'), 30);
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'), { now: () => now });
    writer.append('{}');
    writer.close();
    expect(readdirSync(dir).sort()).toEqual(['events.2026-01-01T00-00-00-000Z.jsonl', 'events.jsonl', 'traces.2020-01-01T00-00-00-000Z.jsonl']);
  });

  test('a folder that cannot be made is a DatastoreError naming the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'taken'), 'a file, not a folder');
    const writer = new RotatingJsonlWriter(join(dir, 'taken', 'events.jsonl'));
    let caught: unknown;
    try {
      writer.append('{}');
    } catch (error) {
      caught = error;
    }
    expect(DatastoreError.isInstance(caught)).toBe(true);
    expect((caught as DatastoreError).message).toBe(`${join(dir, 'taken', 'events.jsonl')}: cannot open: it already exists`); // mkdir finds the file in the way
  });

  test.skipIf(process.getuid?.() === 0)('a file that cannot be written is a DatastoreError', () => {
    const dir = join(tempDir(), 'locked');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    try {
      expect(() => new RotatingJsonlWriter(join(dir, 'events.jsonl')).append('{}')).toThrow(`${join(dir, 'events.jsonl')}: cannot open: permission denied`);
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});
