import * as fs from 'node:fs';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { RotatingJsonlWriter } from '../../lib/telemetry/rotating-jsonl-writer.ts';
import { tempDir } from '../helpers/temp-dir.ts';

// `renameSync` made to fail once (as an `EBUSY` from a file held open elsewhere): no root-proof way to make a real one.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  return { ...actual, renameSync: vi.fn(actual.renameSync) };
});

describe('RotatingJsonlWriter when a rotation fails', () => {
  test('the failure is thrown, and no line is written twice', () => {
    const dir = tempDir();
    const writer = new RotatingJsonlWriter(join(dir, 'events.jsonl'), { maxBytes: 100, now: () => 0 });
    vi.mocked(fs.renameSync).mockImplementationOnce(() => {
      throw Object.assign(new Error('EBUSY: resource busy or locked'), { code: 'EBUSY' });
    });
    const lines = Array.from({ length: 8 }, (_, n) => `{"line":${n},"pad":"${'x'.repeat(10)}"}`);
    const thrown: string[] = [];
    for (const line of lines) {
      try {
        writer.append(line);
      } catch (error) {
        thrown.push((error as Error).message);
      }
    }
    writer.close();
    expect(thrown).toEqual([`${join(dir, 'events.jsonl')}: cannot rotate: EBUSY`]);
    const written = readdirSync(dir).flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n').filter((line) => line !== ''));
    expect(written.sort()).toEqual([...lines].sort());
  });
});
