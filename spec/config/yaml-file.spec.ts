import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseYamlText, readYamlFile } from '../../lib/config/yaml-file.ts';
import { configErrorFrom, configErrorOf, useTempDir, writeFiles } from './temp-files.ts';

describe('readYamlFile', () => {
  const tempDir = useTempDir();

  test('parses YAML 1.1 like PyYAML but keeps dates as strings', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'a.yaml': 'flag: yes\nshort: n\ncount: 3\nwhen: 2024-01-01\nbase: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n' });
    expect(await readYamlFile(join(dir, 'a.yaml'))).toEqual({ flag: true, short: 'n', count: 3, when: '2024-01-01', base: { x: 1 }, derived: { x: 1, y: 2 } });
  });

  test('a syntax error names the file, the line and the column', async () => {
    const dir = await tempDir();
    const file = join(dir, 'task.yaml');
    await writeFiles(dir, { 'task.yaml': 'task_name: geo\nseed_examples: [a,\ncreated_by: me\n' });
    const error = await configErrorOf(readYamlFile(file));
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/invalid YAML at line 3, column \d+/);
  });

  test('a missing file is "file not found"', async () => {
    const dir = await tempDir();
    const file = join(dir, 'nope.yaml');
    const error = await configErrorOf(readYamlFile(file));
    expect(error.message).toBe(`${file}: file not found`);
  });

  test('a DGT `!function` tag is an error naming its line', async () => {
    const dir = await tempDir();
    await writeFiles(dir, { 'task.yaml': 'task_name: geo\nvalidator: !function utils.check\n' });
    const error = await configErrorOf(readYamlFile(join(dir, 'task.yaml')));
    expect(error.message).toMatch(/line 2, column \d+: Unresolved tag: !function .*not supported/);
  });

  test('an alias bomb ("billion laughs") is an error naming the file and the alias limit', async () => {
    const dir = await tempDir();
    const file = join(dir, 'task.yaml');
    await writeFiles(dir, { 'task.yaml': aliasBomb(9) });
    const error = await configErrorOf(readYamlFile(file));
    expect(error.file).toBe(file);
    expect(error.message).toBe(
      `${file}: the YAML uses too many aliases, likely an alias bomb ("billion laughs"): its \`*alias\` references expand past the limit of 10000; ` +
        'write the repeated data out, or reference it less',
    );
    expect((error.cause as Error).name).toBe('ReferenceError');
  });

  test('aliases within the limit expand as usual', () => {
    const value = parseYamlText(aliasBomb(2), 'ok.yaml') as Record<string, unknown[][]>;
    expect(value['l1']).toHaveLength(10);
    expect(value['l1']![0]).toEqual(Array(10).fill('lol'));
  });

  test('an alias used before its anchor is an error naming the file', () => {
    const error = configErrorFrom(() => parseYamlText('task_name: geo\nseed: *missing\n', 'task.yaml'));
    expect(error.message).toMatch(/^task\.yaml: invalid YAML: Unresolved alias .*: missing$/);
  });
});

/** `l0: &l0 [lol × 10]`, then each level a list of 10 aliases of the one before: 10^(levels) values in all. */
function aliasBomb(levels: number): string {
  const lines = ['task_name: bomb', `l0: &l0 [${Array(10).fill('lol').join(', ')}]`];
  for (let level = 1; level < levels; level++) lines.push(`l${level}: &l${level} [${Array(10).fill(`*l${level - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}
