import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, expect } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';

/** A fresh temp directory per call, removed after the test. Call from inside a test. */
export function useTempDir(): () => Promise<string> {
  const created: string[] = [];
  afterEach(async () => {
    await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rxdgt-config-'));
    created.push(dir);
    return dir;
  };
}

/** Writes `files` (relative path → text) under `dir`, creating folders. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

/** A maker of fresh temp dirs holding the given files (relative path → text). */
export function tempDirWith(tempDir: () => Promise<string>): (files: Record<string, string>) => Promise<string> {
  return async (files) => {
    const dir = await tempDir();
    await writeFiles(dir, files);
    return dir;
  };
}

/** The ConfigError `promise` rejects with; fails the test when it resolves or rejects with something else. */
export async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(ConfigError.isInstance(error), `expected a ConfigError, got ${String(error)}`).toBe(true);
  return error as ConfigError;
}

/** Like {@link configErrorOf} for a function that throws synchronously. */
export function configErrorFrom(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(ConfigError.isInstance(error), `expected a ConfigError, got ${String(error)}`).toBe(true);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}
