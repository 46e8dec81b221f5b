import { describe, expect, it } from 'vitest';
import { checkArguments } from '../../../lib/blocks/utilities/tool-call-schema.ts';

const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://example.com/weather',
  type: 'object',
  properties: { city: { type: 'string', format: 'not-a-format' }, days: { type: 'integer', minimum: 1 }, tags: { type: 'array', items: { enum: ['a', 'b'] } } },
  required: ['city'],
  example: { city: 'Paris' },
};

describe('checkArguments', () => {
  it('accepts arguments that fit, ignoring $schema, unknown keywords and formats', () => {
    expect(checkArguments({ city: 'Paris', days: 2, tags: ['a'] }, schema)).toEqual({ kind: 'checked', problems: [] });
    expect(checkArguments({ city: 'Paris' }, { ...schema, properties: { ...schema.properties } })).toEqual({ kind: 'checked', problems: [] });
  });

  it('lists every problem with its place and value', () => {
    expect(checkArguments({ days: 0, tags: ['c'] }, schema)).toEqual({
      kind: 'checked',
      problems: [
        { path: '', message: "must have required property 'city'", value: { days: 0, tags: ['c'] } },
        { path: '/days', message: 'must be >= 1', value: 0 },
        { path: '/tags/0', message: 'must be equal to one of the allowed values', value: 'c' },
      ],
    });
  });

  it('treats boolean schemas as JSON Schema does, and reports what is not a schema', () => {
    expect(checkArguments({ any: 1 }, true)).toEqual({ kind: 'checked', problems: [] });
    expect(checkArguments({ any: 1 }, false).kind).toBe('checked');
    expect(checkArguments({}, null)).toEqual({ kind: 'bad-schema', message: 'it is not an object' });
    expect(checkArguments({}, { type: 'object', required: 'city' })).toEqual({ kind: 'bad-schema', message: 'schema is invalid: data/required must be array' });
  });

  it('compiles many different schemas, sharing an $id, without running out', () => {
    for (let index = 0; index < 300; index++) {
      const each = { $id: 'https://example.com/same', type: 'object', properties: { [`p${index}`]: { type: 'integer' } } };
      expect(checkArguments({ [`p${index}`]: 'x' }, each)).toMatchObject({ kind: 'checked', problems: [{ path: `/p${index}` }] });
    }
  });
});
