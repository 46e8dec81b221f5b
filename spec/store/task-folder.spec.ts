import { mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { taskFolder } from '../../lib/store/task-folder.ts';
import { tempDir } from '../helpers/temp-dir.ts';

/** What `taskFolder` throws for `name`. */
function refusal(outputDir: string, name: string, field = 'task_name'): ConfigError {
  try {
    taskFolder(outputDir, name, field);
  } catch (error) {
    expect(ConfigError.isInstance(error)).toBe(true);
    return error as ConfigError;
  }
  throw new Error(`taskFolder accepted ${name}`);
}

describe('taskFolder', () => {
  test('a plain name is a folder inside the output folder', () => {
    const output = tempDir();
    expect(taskFolder(output, 'geo')).toBe(join(output, 'geo'));
  });

  test('a nested name is fine, whether its folders exist or not', () => {
    const output = tempDir();
    expect(taskFolder(output, 'public/examples/geo')).toBe(join(output, 'public', 'examples', 'geo'));
    mkdirSync(join(output, 'public', 'examples', 'geo'), { recursive: true });
    expect(taskFolder(output, 'public/examples/geo')).toBe(join(output, 'public', 'examples', 'geo'));
  });

  test('a name with `..` that stays inside is fine', () => {
    const output = tempDir();
    expect(taskFolder(output, 'a/../b')).toBe(join(output, 'b'));
  });

  test('a relative output folder resolves against the working directory', () => {
    expect(taskFolder('output', 'geo')).toBe(resolve('output', 'geo'));
  });

  test.each(['..', '../x', 'a/../../x', '.', 'a/..'])('`%s` is refused, naming the field and the folder it would have used', (name) => {
    const output = tempDir();
    const error = refusal(output, name);
    expect(error.field).toBe('task_name');
    expect(error.message).toBe(
      `\`${name}\` would put the task's files at ${resolve(output, name)}, outside the output folder ${output}; use a relative name without \`..\``,
    );
  });

  test('an absolute name is refused, even one inside the output folder', () => {
    const output = tempDir();
    for (const name of ['/etc/geo', join(output, 'geo')]) expect(refusal(output, name, 'store_name').field).toBe('store_name');
  });

  test('the field defaults to `store_name`', () => {
    const output = tempDir();
    expect(() => taskFolder(output, '..')).toThrow(expect.objectContaining({ field: 'store_name' }));
  });

  test('a symbolic link inside the output folder that points outside is refused', () => {
    const output = tempDir();
    const outside = tempDir();
    symlinkSync(outside, join(output, 'link'));
    for (const name of ['link', 'link/geo', 'link/a/b']) {
      const error = refusal(output, name);
      expect(error.field).toBe('task_name');
      expect(error.message).toBe(`\`${name}\` leads through a symbolic link to ${resolve(outside, name.slice('link'.length + 1))}, outside the output folder ${output}`);
    }
  });

  test('a symbolic link that stays inside the output folder is fine', () => {
    const output = tempDir();
    mkdirSync(join(output, 'real'));
    symlinkSync(join(output, 'real'), join(output, 'link'));
    expect(taskFolder(output, 'link/geo')).toBe(join(output, 'link', 'geo'));
  });

  test('an output folder reached through a symbolic link is fine', () => {
    const output = tempDir();
    const link = join(tempDir(), 'output');
    symlinkSync(output, link);
    expect(taskFolder(link, 'geo')).toBe(join(link, 'geo'));
  });
});
