import { appendFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNewLines } from '../../lib/monitor/read-new-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';

async function read(path: string, from: number): Promise<{ end: number | undefined; lines: (string | undefined)[]; resets: number }> {
  const lines: (string | undefined)[] = [];
  let resets = 0;
  const end = await readNewLines(path, from, { reset: () => (resets += 1), line: (text) => lines.push(text) });
  return { end, lines, resets };
}

describe('readNewLines', () => {
  it('reads complete lines and leaves a torn last line for the next read', async () => {
    const path = join(tempDir(), 'data.jsonl');
    writeFileSync(path, '{"a":1}\n{"a":2}\n{"a":');
    const first = await read(path, 0);
    expect(first).toEqual({ end: 16, lines: ['{"a":1}', '{"a":2}'], resets: 0 });
    appendFileSync(path, '3}\n{"a":4}\n');
    expect(await read(path, first.end!)).toEqual({ end: 32, lines: ['{"a":3}', '{"a":4}'], resets: 0 });
  });

  it('starts over when the file was cut back or replaced', async () => {
    const path = join(tempDir(), 'data.jsonl');
    writeFileSync(path, 'one\ntwo\nthree\n');
    truncateSync(path, 4);
    expect(await read(path, 14)).toEqual({ end: 4, lines: ['one'], resets: 1 });
    writeFileSync(path, 'a longer first line\n');
    expect(await read(path, 4)).toEqual({ end: 20, lines: ['a longer first line'], resets: 1 });
  });

  it('starts over when another file took the path, even one grown past the old offset whose byte before it is a newline', async () => {
    const dir = tempDir();
    const path = join(dir, 'data.jsonl');
    writeFileSync(path, 'one\ntwo\n');
    const seen: { inode?: number | undefined } = {};
    const lines: (string | undefined)[] = [];
    let resets = 0;
    const handler = { reset: () => (resets += 1), line: (text: string | undefined) => void lines.push(text) };
    const first = await readNewLines(path, 0, handler, seen);
    expect([first, lines, resets]).toEqual([8, ['one', 'two'], 0]);
    // A restart: the file is removed and written again, longer, with a newline where the old offset falls.
    rmSync(path);
    writeFileSync(join(dir, 'keep-inode-busy'), 'x');
    writeFileSync(path, 'new\nrun\nlonger\n');
    lines.length = 0;
    const second = await readNewLines(path, first!, handler, seen);
    expect([second, lines, resets]).toEqual([15, ['new', 'run', 'longer'], 1]);
  });

  it('reads lines across its 1 MiB reads and counts a line too long to keep', async () => {
    const path = join(tempDir(), 'data.jsonl');
    const long = 'x'.repeat(1_500_000);
    const huge = 'y'.repeat(9 << 20);
    writeFileSync(path, `${long}\n${huge}\nend\n`);
    const { lines } = await read(path, 0);
    expect(lines.map((line) => line?.length)).toEqual([long.length, undefined, 3]);
  });

  it('reads nothing of a missing file, a folder or a symbolic link', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'real.jsonl'), 'secret\n');
    symlinkSync(join(dir, 'real.jsonl'), join(dir, 'link.jsonl'));
    expect((await read(join(dir, 'missing.jsonl'), 0)).end).toBeUndefined();
    expect((await read(dir, 0)).end).toBeUndefined();
    expect(await read(join(dir, 'link.jsonl'), 0)).toEqual({ end: undefined, lines: [], resets: 0 });
  });
});
