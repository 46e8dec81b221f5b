import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveInputPath } from '../../lib/config/input-path.ts';
import type { ConfigError } from '../../lib/errors/config-error.ts';
import { configErrorFrom } from '../helpers/config-error-from.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** A working directory with a task folder and DGT's data folder, each holding one file. */
function layout() {
  const cwd = tempDir();
  mkdirSync(join(cwd, 'tasks', 't'), { recursive: true });
  mkdirSync(join(cwd, 'data', 'public'), { recursive: true });
  writeFileSync(join(cwd, 'tasks', 't', 'tools.json'), '[]');
  writeFileSync(join(cwd, 'data', 'public', 'tools.json'), '[]');
  writeFileSync(join(cwd, 'secret.txt'), 'x');
  const place = { folder: join(cwd, 'tasks', 't'), cwd, dataDirectory: join(cwd, 'data'), file: join(cwd, 'tasks', 't', 'task.yaml'), field: 'tools.0.path' };
  return { cwd, place };
}

const errorOf = (run: () => unknown): ConfigError => configErrorFrom(run, 'resolving the path');

describe('resolveInputPath', () => {
  test("a relative path in the task's folder", () => {
    const { cwd, place } = layout();
    expect(resolveInputPath('tools.json', place)).toBe(join(cwd, 'tasks', 't', 'tools.json'));
  });

  test("DGT's `${DGT_DATA_DIR}/...` paths: relative to the working directory, or absolute, inside the data folder", () => {
    const { cwd, place } = layout();
    expect(resolveInputPath('data/public/tools.json', place)).toBe(join(cwd, 'data', 'public', 'tools.json'));
    expect(resolveInputPath(join(cwd, 'data', 'public', 'tools.json'), place)).toBe(join(cwd, 'data', 'public', 'tools.json'));
  });

  test('anything else is refused, naming the file, the field and both folders', () => {
    const { cwd, place } = layout();
    for (const path of ['../../secret.txt', join(cwd, 'secret.txt'), '/etc/passwd']) {
      const error = errorOf(() => resolveInputPath(path, place));
      expect([error.file, error.field]).toEqual([place.file, 'tools.0.path']);
      expect(error.message).toContain(`lies outside the task's folder and DGT's data folder (${join(cwd, 'data')}, DGT_DATA_DIR)`);
    }
  });

  test('a symbolic link out of the task folder is refused too', () => {
    const { cwd, place } = layout();
    symlinkSync(join(cwd, 'secret.txt'), join(place.folder, 'link.txt'));
    expect(errorOf(() => resolveInputPath('link.txt', place)).field).toBe('tools.0.path');
  });
});
