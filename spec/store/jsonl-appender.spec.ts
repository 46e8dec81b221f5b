import { writeFileSync } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { JsonlAppender } from '../../lib/store/jsonl-appender.ts';
import { readLines } from '../helpers/read-lines.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Watches every `FileHandle.write` (the class is not exported: reach it through an opened handle). */
async function spyOnWrites(dir: string) {
  const probe = await open(join(dir, 'probe'), 'w');
  const prototype = Object.getPrototypeOf(probe) as FileHandle;
  await probe.close();
  return vi.spyOn(prototype, 'write');
}

/** A path whose parent folder cannot be made: a regular file stands where the folder should be. */
function unwritablePath(dir: string): { path: string; blocker: string } {
  const blocker = join(dir, 'not-a-folder');
  writeFileSync(blocker, '');
  return { path: join(blocker, 'sub', 'data.jsonl'), blocker };
}

describe('JsonlAppender', () => {
  test('creates the folder and appends one JSON line per value, in call order', async () => {
    const path = join(tempDir(), 'nested', 'data.jsonl');
    const appender = new JsonlAppender(path);
    await Promise.all([appender.append({ n: 0 }), appender.append({ n: 1 }), appender.append({ n: 2 })]);
    await appender.close();
    expect(readLines(path)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  test('group commit: lines appended while a write is running go out together in the next write', async () => {
    const dir = tempDir();
    const writes = await spyOnWrites(dir);
    const path = join(dir, 'data.jsonl');
    const appender = new JsonlAppender(path);
    // The first append starts a write at once; the other 99 arrive while it runs.
    const appended = Array.from({ length: 100 }, (_, n) => appender.append({ n }));
    await Promise.all(appended);
    await appender.close();
    expect(writes).toHaveBeenCalledTimes(2);
    expect(readLines(path)).toEqual(Array.from({ length: 100 }, (_, n) => ({ n })));
  });

  test('appends resolve in call order, across batches', async () => {
    const appender = new JsonlAppender(join(tempDir(), 'data.jsonl'));
    const resolved: number[] = [];
    await Promise.all(Array.from({ length: 10 }, (_, n) => appender.append({ n }).then(() => resolved.push(n))));
    await appender.close();
    expect(resolved).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('close() waits for the pending writes, without polling the event loop', async () => {
    const path = join(tempDir(), 'data.jsonl');
    const appender = new JsonlAppender(path);
    const polls = vi.spyOn(globalThis, 'setImmediate');
    const appended = Array.from({ length: 50 }, (_, n) => appender.append({ n }));
    await appender.close();
    expect(readLines(path)).toHaveLength(50);
    expect(polls).not.toHaveBeenCalled();
    await Promise.all(appended);
  });

  test('close() without any append resolves and creates nothing', async () => {
    const dir = tempDir();
    const appender = new JsonlAppender(join(dir, 'sub', 'data.jsonl'));
    await expect(appender.close()).resolves.toBeUndefined();
    await expect(open(join(dir, 'sub', 'data.jsonl'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a failed open rejects each append with the error, close() resolves, and a later append tries again', async () => {
    const { path, blocker } = unwritablePath(tempDir());
    const appender = new JsonlAppender(path);
    const first = appender.append({ n: 0 });
    const second = appender.append({ n: 1 });
    await expect(first).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    await expect(second).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    await expect(appender.close()).resolves.toBeUndefined();
    await expect(appender.append({ n: 2 })).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });

    await rm(blocker);
    await appender.append({ n: 3 });
    await appender.close();
    expect(readLines(path)).toEqual([{ n: 3 }]);
  });
});
