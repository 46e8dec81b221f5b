/**
 * The task folder's lock without better-sqlite3 (`kind: 'pid-file'`, what an `--omit=optional` install gets): an
 * exclusive create of `.rxdgt.lock.json`, a dead holder of this host taken over, another host's lock refused.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { TaskLockedError } from '../../lib/errors/task-locked-error.ts';
import { type TaskLock, lockFileNames, lockTaskFolder } from '../../lib/store/task-lock.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** Called after each file call of the code under test that names a path in `dir` (while set): a step of a lock. */
const steps = vi.hoisted(() => ({ dir: undefined as string | undefined, after: (_step: number) => {}, count: 0, inStep: false }));

// The file calls a lock makes, each followed by `steps.after`: another process can then act between any two of them.
vi.mock('node:fs', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs')>();
  const stepped = <Call extends (...args: never[]) => unknown>(call: Call): Call =>
    ((...args: Parameters<Call>) => {
      try {
        return call(...args);
      } finally {
        const [path] = args as unknown[];
        // The calls of `after` itself are no steps.
        if (!steps.inStep && steps.dir !== undefined && typeof path === 'string' && path.startsWith(`${steps.dir}${sep}`)) {
          steps.inStep = true;
          try {
            steps.after(++steps.count);
          } finally {
            steps.inStep = false;
          }
        }
      }
    }) as Call;
  return {
    ...actual,
    readFileSync: stepped(actual.readFileSync),
    writeFileSync: stepped(actual.writeFileSync),
    renameSync: stepped(actual.renameSync),
    rmSync: stepped(actual.rmSync),
    unlinkSync: stepped(actual.unlinkSync),
    linkSync: stepped(actual.linkSync),
  };
});

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const taskLockModule = join(repoRoot, 'lib/store/task-lock.ts');
const [lockName, holderName] = lockFileNames;

const held: TaskLock[] = [];
const children: ChildProcess[] = [];

afterEach(() => {
  steps.dir = undefined;
  for (const lock of held.splice(0)) lock.release();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function lock(dir: string, kind: 'sqlite' | 'pid-file' = 'pid-file'): TaskLock {
  const taken = lockTaskFolder(dir, { kind });
  held.push(taken);
  return taken;
}

function errorOf(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('no error was thrown');
}

function lockErrorOf(dir: string, kind: 'sqlite' | 'pid-file' = 'pid-file'): TaskLockedError {
  const error = errorOf(() => lock(dir, kind));
  expect(TaskLockedError.isInstance(error)).toBe(true);
  return error as TaskLockedError;
}

/** The pid of a process that has ended (and been reaped): no process has it, for now. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  return pid!;
}

/**
 * A script that takes the pid-file lock of `argv[2]` (once the file `argv[3]` exists, when given), prints `locked
 * <pid replaced>` (or `refused <error>`), and then waits to be killed.
 */
function holderScript(): string {
  const script = join(tempDir(), 'hold-lock.mts');
  writeFileSync(
    script,
    [
      "import { existsSync } from 'node:fs';",
      `import { lockTaskFolder } from ${JSON.stringify(taskLockModule)};`,
      'if (process.argv[3]) {',
      "  process.stdout.write('ready\\n');",
      '  while (!existsSync(process.argv[3])) await new Promise((resolve) => setTimeout(resolve, 1));',
      '}',
      'try {',
      "  const taken = lockTaskFolder(process.argv[2], { kind: 'pid-file' });",
      "  process.stdout.write(`locked ${taken.replaced?.pid ?? ''}\\n`);",
      '} catch (error) {',
      "  process.stdout.write(`refused ${error.name}\\n`);",
      '}',
      'setInterval(() => {}, 60_000);',
      '',
    ].join('\n'),
  );
  return script;
}

/** Starts a child on `script` for `dir`; resolves with its first line once it printed it. */
async function child(script: string, dir: string, go?: string): Promise<{ child: ChildProcess; line: string }> {
  const started = spawn(process.execPath, ['--import', 'tsx', script, dir, ...(go === undefined ? [] : [go])], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(started);
  let stdout = '';
  let stderr = '';
  started.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    started.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
    started.on('exit', (code) => reject(new Error(`the child exited (${code}) before it said anything: ${stderr}`)));
  });
  return { child: started, line };
}

/** The next line `child` prints after its first. */
async function nextLine(started: ChildProcess): Promise<string> {
  let stdout = '';
  return new Promise<string>((resolve) => {
    started.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0]!);
    });
  });
}

/** A script that tries the pid-file lock of `argv[2]` once, writes `locked <pid replaced>` (or `refused <error>`) to `argv[3]`, and then waits to be killed. */
function competitorScript(): string {
  const script = join(tempDir(), 'compete.mts');
  writeFileSync(
    script,
    [
      "import { renameSync, writeFileSync } from 'node:fs';",
      'let line;',
      'try {',
      `  const { lockTaskFolder } = await import(${JSON.stringify(taskLockModule)});`,
      "  const taken = lockTaskFolder(process.argv[2], { kind: 'pid-file' });",
      "  line = `locked ${taken.replaced?.pid ?? ''}`;",
      '} catch (error) {',
      '  line = `refused ${error?.name}`;',
      '}',
      'writeFileSync(`${process.argv[3]}.part`, line);',
      'renameSync(`${process.argv[3]}.part`, process.argv[3]);',
      'setInterval(() => {}, 60_000);',
      '',
    ].join('\n'),
  );
  return script;
}

/**
 * Runs a competitor on `script` for `dir` while this process waits, synchronously (in the middle of a step of its own
 * lock): returns its pid and what it said. It stays alive, holding the lock if it took it.
 */
function competeNow(script: string, dir: string): { pid: number; line: string } {
  const said = join(tempDir(), 'said');
  const started = spawn(process.execPath, ['--import', 'tsx', script, dir, said], { cwd: repoRoot, stdio: 'ignore' });
  children.push(started);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  // A guard against a hang, not a limit under test: the test's own timeout cannot fire while this loop blocks.
  for (let waited = 0; !existsSync(said); waited += 5) {
    if (waited > 60_000) throw new Error(`the competitor (process ${started.pid}) said nothing`);
    Atomics.wait(pause, 0, 0, 5);
  }
  return { pid: started.pid!, line: readFileSync(said, 'utf8') };
}

/** This process's lock of `dir`, said as a competitor says it. */
function lockLine(dir: string): string {
  try {
    return `locked ${lock(dir).replaced?.pid ?? ''}`;
  } catch (error) {
    return `refused ${(error as Error).name}`;
  }
}

describe("lockTaskFolder({ kind: 'pid-file' })", () => {
  test('writes its holder to .rxdgt.lock.json, exclusively: a second lock in this process is refused, naming it', () => {
    const dir = tempDir();
    expect(lock(dir).replaced).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dir, holderName), 'utf8'))).toEqual({ pid: process.pid, host: hostname(), started: expect.any(String), lock: 'pid-file' });
    const error = lockErrorOf(dir);
    expect(error.holder).toEqual({ pid: process.pid, host: hostname(), started: expect.any(String) });
    expect(error.message).toContain(`in use by process ${process.pid} on ${hostname()}`);
  });

  test('release removes the lock, and the folder can be locked again; a second release leaves the next holder alone', () => {
    const dir = tempDir();
    const first = lockTaskFolder(dir, { kind: 'pid-file' });
    first.release();
    // The lock file stays, as with a SQLite lock: it marks the folder as a task's.
    expect([existsSync(join(dir, lockName)), existsSync(join(dir, holderName))]).toEqual([true, false]);
    expect(lock(dir).replaced).toBeUndefined();
    first.release();
    expect(lockErrorOf(dir).holder?.pid).toBe(process.pid);
  });

  test('a lock held by another process refuses this one; once that process is killed, it is taken over', async () => {
    const dir = tempDir();
    const { child: holder, line } = await child(holderScript(), dir);
    expect(line).toBe('locked ');
    expect(lockErrorOf(dir).holder).toMatchObject({ pid: holder.pid, host: hostname() });
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    const taken = lock(dir);
    expect(taken.replaced).toMatchObject({ pid: holder.pid, host: hostname() });
    expect(JSON.parse(readFileSync(join(dir, holderName), 'utf8'))).toMatchObject({ pid: process.pid });
  });

  test("a dead process's lock is taken over, with `replaced` naming it", () => {
    const dir = tempDir();
    const dead = { pid: deadPid(), host: hostname(), started: '2025-01-01T00:00:00.000Z' };
    writeFileSync(join(dir, holderName), `${JSON.stringify({ ...dead, lock: 'pid-file' })}\n`);
    expect(lock(dir).replaced).toEqual(dead);
    expect(existsSync(join(dir, `${holderName}.takeover`))).toBe(false);
  });

  test("a lock naming this process's own pid that this process does not hold (a restarted container's) is taken over", () => {
    const dir = tempDir();
    const earlier = { pid: process.pid, host: hostname(), started: '2020-01-01T00:00:00.000Z' };
    writeFileSync(join(dir, holderName), `${JSON.stringify({ ...earlier, lock: 'pid-file' })}\n`);
    expect(lock(dir).replaced).toEqual(earlier);
    // Held now by this process: a second lock is refused.
    expect(lockErrorOf(dir).holder?.pid).toBe(process.pid);
  });

  test('a takeover left half done by a dead run is refused with the file to remove, not raced', () => {
    const dir = tempDir();
    const dead = { pid: deadPid(), host: hostname(), started: '2025-01-01T00:00:00.000Z', lock: 'pid-file' };
    writeFileSync(join(dir, holderName), `${JSON.stringify(dead)}\n`);
    writeFileSync(join(dir, `${holderName}.takeover`), `${JSON.stringify(dead)}\n`);
    const error = errorOf(() => lock(dir));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).file).toBe(join(dir, `${holderName}.takeover`));
    expect((error as Error).message).toMatch(/died while taking over the task's lock/);
  });

  test('of many processes that find the same stale lock at once, exactly one takes it', async () => {
    const dir = tempDir();
    const dead = deadPid();
    writeFileSync(join(dir, holderName), `${JSON.stringify({ pid: dead, host: hostname(), started: '2025-01-01T00:00:00.000Z', lock: 'pid-file' })}\n`);
    const script = holderScript();
    // All ready first, then all let go at once: their takeovers overlap.
    const go = join(tempDir(), 'go');
    const started = await Promise.all(Array.from({ length: 6 }, () => child(script, dir, go)));
    expect(started.map(({ line }) => line)).toEqual(Array(6).fill('ready'));
    const said = started.map(({ child: taker }) => nextLine(taker));
    writeFileSync(go, '');
    const lines = await Promise.all(said);
    expect(lines.filter((line) => line === `locked ${dead}`)).toHaveLength(1);
    expect(lines.filter((line) => line === 'refused TaskLockedError')).toHaveLength(5);
  });

  test('a run arriving between any two steps of a takeover is refused or takes the lock instead: never both, never neither', () => {
    const dead = { pid: deadPid(), host: hostname(), started: '2025-01-01T00:00:00.000Z' };
    const script = competitorScript();
    // `released`: the stale lock is first taken over and let go by a third run (it goes missing), then the competitor comes a step later.
    for (const released of [false, true]) {
      for (let at = 1; ; at++) {
        const dir = tempDir();
        const holderPath = join(dir, holderName);
        writeFileSync(holderPath, `${JSON.stringify({ ...dead, lock: 'pid-file' })}\n`);
        const staleText = readFileSync(holderPath, 'utf8');
        let competitor: { pid: number; line: string } | undefined;
        steps.count = 0;
        steps.after = (step) => {
          if (released && step === at && readFileSync(holderPath, 'utf8') === staleText) rmSync(holderPath);
          if (step === (released ? at + 1 : at)) competitor = competeNow(script, dir);
        };
        steps.dir = dir;
        const ours = lockLine(dir);
        steps.dir = undefined;
        if (competitor === undefined) break;
        const lines = [ours, competitor.line];
        const context = `competitor after step ${released ? at + 1 : at}${released ? ' (the stale lock let go after step ' + at + ')' : ''}: ${lines.join(', ')}`;
        expect(lines.filter((line) => line.startsWith('locked ')), context).toHaveLength(1);
        expect(lines.filter((line) => line === 'refused TaskLockedError'), context).toHaveLength(1);
        const winner = ours.startsWith('locked ') ? process.pid : competitor.pid;
        expect(JSON.parse(readFileSync(holderPath, 'utf8')).pid, context).toBe(winner);
        // With the stale lock still there, the winner took it over.
        if (!released) expect(lines, context).toContain(`locked ${dead.pid}`);
        expect(existsSync(`${holderPath}.takeover`), context).toBe(false);
      }
    }
  });

  test("another host's lock is refused, naming that host (its process cannot be checked)", () => {
    const dir = tempDir();
    const other = { pid: deadPid(), host: `not-${hostname()}`, started: '2025-01-01T00:00:00.000Z' };
    writeFileSync(join(dir, holderName), `${JSON.stringify({ ...other, lock: 'pid-file' })}\n`);
    const error = lockErrorOf(dir);
    expect(error.holder).toEqual(other);
    expect(error.message).toContain(`in use by process ${other.pid} on not-${hostname()}`);
  });

  test('a lock file whose holder is not written yet is a run that is starting', () => {
    const dir = tempDir();
    writeFileSync(join(dir, holderName), '');
    expect(lockErrorOf(dir).message).toContain('in use by another process that is starting');
  });

  test('a folder that cannot be written: a ConfigError naming the lock file and why', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const error = errorOf(() => lock(file));
    expect(ConfigError.isInstance(error)).toBe(true);
    expect((error as ConfigError).file).toBe(join(file, lockName));
    expect((error as ConfigError).message).toContain("cannot write the task's lock: a parent of it is a file, not a directory");
  });

  test('a SQLite lock and a pid-file lock (two installs, one without better-sqlite3) refuse each other', () => {
    const first = tempDir();
    lock(first, 'sqlite');
    expect(lockErrorOf(first, 'pid-file').holder?.pid).toBe(process.pid);
    const second = tempDir();
    lock(second, 'pid-file');
    expect(lockErrorOf(second, 'sqlite').holder?.pid).toBe(process.pid);
  });
});
