import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { yamlValidator } from '../../../lib/blocks/syntax/yaml-validator.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { checkerOf, configErrorOf } from './validator-harness.ts';

describe('validators/yaml', () => {
  it('accepts one YAML document, empty included', async () => {
    const check = checkerOf(yamlValidator);
    for (const text of ['name: rxdgt\ntags: [a, b]\n', '- 1\n- two\n', '', '{"json": "is yaml"}', 'base: &b {x: 1}\nother: *b\n']) {
      expect(await check(text)).toEqual({ valid: true });
    }
  });

  it('rejects a syntax error with its line and column', async () => {
    const check = checkerOf(yamlValidator);
    expect(await check('name: a\nname: b\n')).toEqual({
      valid: false,
      code: 'syntax_error',
      reason: 'yaml: syntax error at line 2, column 1: map keys must be unique',
      line: 2,
      column: 1,
      metadata: { line: 2, column: 1, message: 'map keys must be unique' },
    });
    expect(await check('a:\n  b: 1\n c: 2\n')).toMatchObject({ line: 3, column: 1, metadata: { message: 'all mapping items must start at the same column' } });
    expect(await check('list: [1, 2')).toMatchObject({ line: 1, column: 12 });
    expect(await check('ok: 1\n\tbad: 2\n')).toMatchObject({ code: 'syntax_error', line: 2 });
  });

  it('rejects several documents and unknown aliases', async () => {
    const check = checkerOf(yamlValidator);
    expect((await check('a: 1\n---\nb: 2\n')).reason).toBe('yaml: syntax error at line 2, column 1: the text holds more than one document');
    expect(await check('a: 1\nb: *nowhere\n')).toMatchObject({ code: 'syntax_error', line: 2, column: 4 });
  });

  it('checks the value against a schema, with the failing node placed in the text', async () => {
    const check = checkerOf(yamlValidator, {
      schema: { type: 'object', properties: { port: { type: 'integer' }, hosts: { type: 'array', items: { type: 'string' } } }, required: ['port'] },
    });
    expect(await check('port: 8080\nhosts: [a, b]\n')).toEqual({ valid: true });
    expect(await check('port: 8080\nhosts:\n  - a\n  - 12\n')).toEqual({
      valid: false,
      code: 'schema_mismatch',
      reason: 'yaml: schema mismatch at /hosts/1 (line 4, column 5): must be string',
      line: 4,
      column: 5,
      metadata: { line: 4, column: 5, message: 'must be string', pointer: '/hosts/1' },
    });
    expect((await check('hosts: []\n')).reason).toBe("yaml: schema mismatch at the top level (line 1, column 1): must have required property 'port'");
  });

  it('reads YAML 1.2 by default and 1.1 (PyYAML booleans) on request', async () => {
    const schema = { type: 'object', properties: { enabled: { type: 'boolean' } } };
    expect(await checkerOf(yamlValidator, { schema })('enabled: yes\n')).toMatchObject({ code: 'schema_mismatch', metadata: { pointer: '/enabled' } });
    expect(await checkerOf(yamlValidator, { schema, version: '1.1' })('enabled: yes\n')).toEqual({ valid: true });
  });

  it('reads a schema file and refuses one outside the builder folder', async () => {
    const root = tempDir();
    const dir = join(root, 'builder');
    mkdirSync(dir);
    writeFileSync(join(dir, 'schema.yml'), 'type: array\nitems: { type: integer }\n');
    const check = checkerOf(yamlValidator, { schema_file: 'schema.yml' }, dir);
    expect(await check('[1, 2]')).toEqual({ valid: true });
    expect(await check('- 1\n- x\n')).toMatchObject({ line: 2, column: 3, metadata: { pointer: '/1' } });
    expect(configErrorOf(yamlValidator, { schema_file: '../schema.yml' }, dir)).toMatchObject({ file: 'b.yaml', field: 'blocks.0.schema_file' });
  });

  it('rejects an input that is not a string', async () => {
    expect(await checkerOf(yamlValidator)(3)).toEqual({ valid: false, code: 'input_not_text', reason: 'input is a number, expected a string' });
  });
});
