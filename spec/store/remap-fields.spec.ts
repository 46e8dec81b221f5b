import { describe, expect, test } from 'vitest';
import { remapFields } from '../../lib/store/remap-fields.ts';

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

const rows = () =>
  [0, 1, 2].map((id) => deepFreeze({ id, text: `text-${id}`, meta: { lang: 'en', region: 'north america' } }));

describe('remapFields', () => {
  test('keeps every field and adds the renamed ones with "*": "*" (DGT test_field_transformation)', () => {
    const remap = remapFields({ '*': '*', text: 'content', 'meta.lang': 'language', 'meta.region': 'location.region' });
    for (const row of rows()) {
      expect(remap(row)).toEqual({
        ...row,
        content: row.text,
        language: 'en',
        location: { region: 'north america' },
      });
    }
  });

  test('keeps only the listed targets without the wildcard', () => {
    const remap = remapFields({ question: 'instruction', answer: 'output', 'meta.language': 'language' });
    expect(remap({ question: 'q?', answer: 'a.', extra: 1, meta: { language: 'fr' } })).toEqual({
      instruction: 'q?',
      output: 'a.',
      language: 'fr',
    });
  });

  test('selects fields under their own names', () => {
    expect(remapFields({ id: 'id' })({ id: 7, text: 't' })).toEqual({ id: 7 });
  });

  test('returns the same record for {"*": "*"} and for an empty map', () => {
    const row = { id: 1 };
    expect(remapFields({ '*': '*' })(row)).toBe(row);
    expect(remapFields({})(row)).toBe(row);
  });

  test('applies entries in order: a later target overwrites an earlier one, and the wildcard sources stay', () => {
    expect(remapFields({ '*': '*', a: 'x', b: 'x' })({ a: 1, b: 2 })).toEqual({ a: 1, b: 2, x: 2 });
    expect(remapFields({ '*': '*', a: 'b' })({ a: 1, b: 2 })).toEqual({ a: 1, b: 1 });
  });

  test('reads indexes and slices and writes appends and indexes', () => {
    const remap = remapFields({
      'messages[0].content': 'first',
      'messages[-1].content': 'last',
      'messages[:2]': 'opening',
      'tags[1:]': 'rest',
      text: 'all[+]',
      id: 'all[+]',
      'meta.lang': 'pairs[0].lang',
    });
    const row = deepFreeze({
      id: 3,
      text: 't',
      tags: ['a', 'b', 'c'],
      messages: [{ content: 'one' }, { content: 'two' }, { content: 'three' }],
      meta: { lang: 'en' },
    });
    expect(remap(row)).toEqual({
      first: 'one',
      last: 'three',
      opening: [{ content: 'one' }, { content: 'two' }],
      rest: ['b', 'c'],
      all: ['t', 3],
      pairs: [{ lang: 'en' }],
    });
  });

  test('lets a present null through', () => {
    expect(remapFields({ maybe: 'kept' })({ maybe: null })).toEqual({ kept: null });
  });

  test('never modifies the record, frozen or not, with or without the wildcard', () => {
    const row = { id: 1, meta: { lang: 'en', region: 'eu' }, tags: ['a'] };
    const before = structuredClone(row);
    const withWildcard = remapFields({ '*': '*', 'meta.lang': 'meta.language', id: 'tags[+]' })(row);
    expect(row).toEqual(before);
    expect(withWildcard).toEqual({ id: 1, meta: { lang: 'en', region: 'eu', language: 'en' }, tags: ['a', 1] });
    const frozen = deepFreeze(structuredClone(row));
    expect(remapFields({ '*': '*', 'meta.region': 'meta.place' })(frozen)).toEqual({
      id: 1,
      meta: { lang: 'en', region: 'eu', place: 'eu' },
      tags: ['a'],
    });
  });

  test('throws an Error naming the source field when a record lacks it (DGT test_missing_field_raises_keyerror)', () => {
    const remap = remapFields({ 'missing.key': 'out' });
    expect(() => remap({ id: 1, foo: 'bar' })).toThrow(
      'fields: cannot map `missing.key` to `out`: field path `missing.key`: `missing` is absent; the record has fields id, foo',
    );
    expect(() => remapFields({ text: 'content' })({ id: 1 })).toThrow('cannot map `text` to `content`');
  });

  test('throws naming the source field when a path meets the wrong kind of value, with the cause attached', () => {
    let caught: unknown;
    try {
      remapFields({ 'meta.lang': 'language' })({ meta: 'en' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toBe(
      'fields: cannot map `meta.lang` to `language`: field path `meta.lang`: `meta` is a string, expected an object',
    );
    expect((caught as Error).cause).toBeInstanceOf(TypeError);
    expect(() => remapFields({ '*': '*', id: 'text.inner' })({ id: 1, text: 't' })).toThrow(
      'fields: cannot map `id` to `text.inner`: field path `text.inner`: `text` is a string, expected an object',
    );
  });

  test('rejects bad maps when it is called, before any record', () => {
    expect(() => remapFields({ 'a[': 'b' })).toThrow(new TypeError('field path `a[` is malformed: `[` at position 1 is never closed'));
    expect(() => remapFields({ a: 'b..c' })).toThrow(new TypeError('field path `b..c` is malformed: empty field name at position 2'));
    expect(() => remapFields({ a: '' })).toThrow('field path `` is malformed: it is empty');
    expect(() => remapFields({ 'tags[+]': 'b' })).toThrow(new TypeError('fields: source `tags[+]` appends (`[+]`); only a target can'));
    expect(() => remapFields({ a: 'tags[:1]' })).toThrow(new TypeError('fields: target `tags[:1]` of `a` is a slice; a slice cannot be written'));
    expect(() => remapFields({ '*': 'everything' })).toThrow(new TypeError('fields: `*` keeps every field and must map to `*`, received "everything"'));
    expect(() => remapFields({ a: 3 as unknown as string })).toThrow(new TypeError('fields: `a` must map to a field path, received number'));
  });
});
