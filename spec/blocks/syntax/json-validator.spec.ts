import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonValidator } from '../../../lib/blocks/syntax/json-validator.ts';
import { tempDir } from '../../helpers/temp-dir.ts';
import { checkerOf, configErrorOf } from './validator-harness.ts';

const orderSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    items: { type: 'array', items: { type: 'object', properties: { price: { type: 'number' } }, required: ['price'] } },
    status: { enum: ['open', 'closed'] },
  },
  required: ['id', 'items'],
  additionalProperties: false,
};

describe('validators/json', () => {
  it('accepts JSON text of any value', async () => {
    const check = checkerOf(jsonValidator);
    for (const text of ['{"a": [1, 2.5e3, true, null]}', '[]', '"text"', ' 42 ', 'null']) {
      expect(await check(text)).toEqual({ valid: true });
    }
  });

  it('rejects a syntax error with the line and column V8 gives', async () => {
    const check = checkerOf(jsonValidator);
    expect(await check('[1, 2')).toEqual({
      valid: false,
      code: 'syntax_error',
      reason: "json: syntax error at line 1, column 6: expected ',' or ']' after array element",
      line: 1,
      column: 6,
      metadata: { line: 1, column: 6, message: "expected ',' or ']' after array element" },
    });
    expect((await check('{"a": 1}\n\n}')).reason).toBe('json: syntax error at line 3, column 1: unexpected non-whitespace character after JSON');
    expect((await check('{"a": "x\u0001"}')).reason).toBe('json: syntax error at line 1, column 9: bad control character in string literal');
  });

  it('finds the place itself when V8 names the token but not where it is', async () => {
    const check = checkerOf(jsonValidator);
    expect(await check('{"a": 1,\n "b": tru}')).toMatchObject({
      reason: "json: syntax error at line 2, column 10: unexpected token '}'",
      line: 2,
      column: 10,
    });
    // Columns count characters: the emoji is one, not two UTF-16 units.
    expect(await check('{"😀": x}')).toMatchObject({ line: 1, column: 7 });
    expect(await check('[1,]')).toMatchObject({ line: 1, column: 4 });
  });

  it('places the end of an unfinished text after its last character', async () => {
    const check = checkerOf(jsonValidator);
    expect(await check('')).toMatchObject({ reason: 'json: syntax error at line 1, column 1: unexpected end of input' });
    expect(await check('{"a":\n  [1, nul')).toMatchObject({ line: 2, column: 10, metadata: { message: 'unexpected end of input' } });
  });

  it('checks the value against an inline schema, naming the pointer and the place', async () => {
    const check = checkerOf(jsonValidator, { schema: orderSchema });
    expect(await check('{"id": "a1", "items": [{"price": 3}], "status": "open"}')).toEqual({ valid: true });
    expect(await check('{"id": "a1",\n "items": [{"price": 3}, {"price": "4"}]}')).toEqual({
      valid: false,
      code: 'schema_mismatch',
      reason: 'json: schema mismatch at /items/1/price (line 2, column 36): must be number',
      line: 2,
      column: 36,
      metadata: { line: 2, column: 36, message: 'must be number', pointer: '/items/1/price' },
    });
    expect((await check('{"items": []}')).reason).toBe("json: schema mismatch at the top level (line 1, column 1): must have required property 'id'");
    expect((await check('{"id": "a", "items": [], "extra": 1}')).reason).toBe(
      'json: schema mismatch at the top level (line 1, column 1): must NOT have additional properties: "extra"',
    );
    expect((await check('{"id": "a", "items": [], "status": "lost"}')).reason).toBe(
      'json: schema mismatch at /status (line 1, column 36): must be equal to one of the allowed values: "open", "closed"',
    );
  });

  it('reads the schema from a JSON or YAML file inside the builder folder', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'schemas'));
    writeFileSync(join(dir, 'schemas', 'order.json'), JSON.stringify(orderSchema));
    writeFileSync(join(dir, 'schemas', 'name.yaml'), 'type: object\nrequired: [name]\nproperties:\n  name: { type: string }\n');
    const order = checkerOf(jsonValidator, { schema_file: 'schemas/order.json' }, dir);
    expect(await order('{"id": "a", "items": []}')).toEqual({ valid: true });
    expect(await order('{"id": 7, "items": []}')).toMatchObject({ code: 'schema_mismatch', metadata: { pointer: '/id' } });
    const name = checkerOf(jsonValidator, { schema_file: 'schemas/name.yaml' }, dir);
    expect(await name('{"name": "x"}')).toEqual({ valid: true });
    expect(await name('{"name": 1}')).toMatchObject({ reason: 'json: schema mismatch at /name (line 1, column 10): must be string' });
  });

  it('picks the draft the schema declares', async () => {
    const check = checkerOf(jsonValidator, {
      schema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] },
    });
    expect(await check('["a", 1]')).toEqual({ valid: true });
    expect(await check('[1]')).toMatchObject({ reason: 'json: schema mismatch at /0 (line 1, column 2): must be string' });
  });

  it('refuses a schema file outside the builder folder, even through a symbolic link', () => {
    const root = tempDir();
    const dir = join(root, 'builder');
    mkdirSync(dir);
    writeFileSync(join(root, 'outside.json'), '{"type": "object"}');
    symlinkSync(join(root, 'outside.json'), join(dir, 'link.json'));
    for (const schema_file of ['../outside.json', join(root, 'outside.json'), 'link.json']) {
      const error = configErrorOf(jsonValidator, { schema_file }, dir);
      expect(error.file).toBe('b.yaml');
      expect(error.field).toBe('blocks.0.schema_file');
      expect(error.message).toContain('lies outside the folder');
    }
  });

  it('names the field of a bad schema, an unreadable file, or both fields set', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.json'), '{"type": ');
    expect(configErrorOf(jsonValidator, { schema: { type: 'objekt' } })).toMatchObject({ field: 'blocks.0.schema' });
    expect(configErrorOf(jsonValidator, { schema: { type: 'object', requried: ['a'] } }).message).toContain('unknown keyword: "requried"');
    expect(configErrorOf(jsonValidator, { schema_file: 'missing.json' }, dir)).toMatchObject({ field: 'blocks.0.schema_file' });
    expect(configErrorOf(jsonValidator, { schema_file: 'missing.json' }, dir).message).toContain('it does not exist');
    expect(configErrorOf(jsonValidator, { schema_file: 'broken.json' }, dir).message).toContain('is not valid JSON');
    expect(configErrorOf(jsonValidator, { schema: {}, schema_file: 'broken.json' }, dir).message).toContain('either `schema` or `schema_file`');
  });

  it('rejects an input that is not a string', async () => {
    const check = checkerOf(jsonValidator);
    expect(await check({ a: 1 })).toEqual({ valid: false, code: 'input_not_text', reason: 'input is an object, expected a string' });
    expect((await check(null)).reason).toBe('input is null, expected a string');
    expect((await check([1])).reason).toBe('input is an array, expected a string');
  });
});
