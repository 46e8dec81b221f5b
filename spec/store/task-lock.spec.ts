import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import { TaskLockedError } from '../../lib/errors/task-locked-error.ts';
import { type TaskLock, lockFileNames, lockTaskFolder } from '../../lib/store/task-lock.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const taskLockModule = join(repoRoot, 'lib/store/task-lock.ts');
const [lockName, holderName] = lockFileNames;

const held: TaskLock[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  for (const lock of held.splice(0)) lock.release();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Takes the lock, released after the test. */
function lock(dir: string): TaskLock {
  const taken = lockTaskFolder(dir);
  held.push(taken);
  return taken;
}

/** What `lockTaskFolder(dir)` throws. */
function lockErrorOf(dir: string): TaskLockedError {
  try {
    lock(dir);
  } catch (error) {
    expect(TaskLockedError.isInstance(error)).toBe(true);
    return error as TaskLockedError;
  }
  throw new Error(`${dir} was not locked`);
}

/** Another process that takes the lock of `dir`, prints `locked` once it holds it, and then waits to be killed. */
async function lockInChild(dir: string): Promise<ChildProcess> {
  const script = join(tempDir(), 'hold-lock.mts');
  writeFileSync(
    script,
    [
      `import { lockTaskFolder } from ${JSON.stringify(taskLockModule)};`,
      'lockTaskFolder(process.argv[2]);',
      "process.stdout.write('locked\\n');",
      'setInterval(() => {}, 60_000);',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('locked\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`the child exited (${code}) before taking the lock: ${stderr}`)));
  });
  return child;
}

describe('lockTaskFolder', () => {
  test('a second lock in the same process throws TaskLockedError naming this process and host', () => {
    const dir = tempDir();
    lock(dir);
    const error = lockErrorOf(dir);
    expect(error.dir).toBe(dir);
    expect(error.holder).toMatchObject({ pid: process.pid, host: hostname() });
    expect(error.message).toBe(
      `${dir}: the task's folder is in use by process ${process.pid} on ${hostname()}, running since ${error.holder!.started}; wait for that run to end (one run per task folder)`,
    );
  });

  test('writes the holder to .rxdgt.lock.json', () => {
    const dir = tempDir();
    lock(dir);
    const holder = JSON.parse(readFileSync(join(dir, holderName), 'utf8')) as { pid: number; host: string; started: string };
    expect(holder).toEqual({ pid: process.pid, host: hostname(), started: expect.any(String) });
    expect(new Date(holder.started).toISOString()).toBe(holder.started);
  });

  test('a lock held by another process refuses this one, and is free once that process is killed', async () => {
    const dir = tempDir();
    const child = await lockInChild(dir);
    expect(lockErrorOf(dir).holder).toMatchObject({ pid: child.pid, host: hostname() });
    child.kill('SIGKILL');
    await once(child, 'exit');
    const taken = lock(dir);
    expect(taken.replaced).toMatchObject({ pid: child.pid, host: hostname() });
    expect(JSON.parse(readFileSync(join(dir, holderName), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  test('release removes the holder file and keeps the lock file', () => {
    const dir = tempDir();
    lockTaskFolder(dir).release();
    expect([existsSync(join(dir, lockName)), existsSync(join(dir, holderName))]).toEqual([true, false]);
  });

  test('the folder can be locked again after a release, with no holder replaced', () => {
    const dir = tempDir();
    lockTaskFolder(dir).release();
    expect(lock(dir).replaced).toBeUndefined();
  });

  test('releasing twice is harmless and leaves the next holder alone', () => {
    const dir = tempDir();
    const first = lockTaskFolder(dir);
    first.release();
    lock(dir);
    first.release();
    expect(existsSync(join(dir, holderName))).toBe(true);
    expect(lockErrorOf(dir).holder?.pid).toBe(process.pid);
  });
});
