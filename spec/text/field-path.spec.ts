import { describe, expect, test } from 'vitest';
import { getField, missing, parseFieldPath, setField } from '../../lib/text/field-path.ts';

/** Freezes a value and everything inside it, so any write to an input fails loudly. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The reference record of DGT's `test_from_dict`, in our own words. */
const nested = deepFreeze({
  key_1: {
    key_2: {
      key_3: [
        { list_key_1: 'list_value_1' },
        { list_key_2: { list_key_2_value_1: { list_key_2_value_1_list_1: [1, 2, 3] } } },
        { list_key_3: 'list_value_3' },
      ],
      key_4: 'key_4_value',
    },
  },
});
const list = nested.key_1.key_2.key_3;

describe('parseFieldPath', () => {
  test('splits fields, indexes, slices and appends into steps', () => {
    expect(parseFieldPath('a.b.c').steps).toEqual([
      { kind: 'key', name: 'a' },
      { kind: 'key', name: 'b' },
      { kind: 'key', name: 'c' },
    ]);
    expect(parseFieldPath('messages[0].content').steps).toEqual([
      { kind: 'key', name: 'messages' },
      { kind: 'index', index: 0 },
      { kind: 'key', name: 'content' },
    ]);
    expect(parseFieldPath('grid[-1][ 2 ]').steps).toEqual([
      { kind: 'key', name: 'grid' },
      { kind: 'index', index: -1 },
      { kind: 'index', index: 2 },
    ]);
    expect(parseFieldPath('a[+].b').steps[1]).toEqual({ kind: 'append' });
    expect(parseFieldPath('a[1:]').steps[1]).toEqual({ kind: 'slice', start: 1 });
    expect(parseFieldPath('a[:2]').steps[1]).toEqual({ kind: 'slice', end: 2 });
    expect(parseFieldPath('a[1:-1]').steps[1]).toEqual({ kind: 'slice', start: 1, end: -1 });
    expect(parseFieldPath('a[:]').steps[1]).toEqual({ kind: 'slice' });
  });

  test('keeps any character but `.`, `[` and `]` in field names', () => {
    expect(parseFieldPath('my field-1.$x').steps).toEqual([
      { kind: 'key', name: 'my field-1' },
      { kind: 'key', name: '$x' },
    ]);
  });

  test('returns the same frozen object for a repeated path', () => {
    const first = parseFieldPath('meta.lang');
    expect(parseFieldPath('meta.lang')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first.steps)).toBe(true);
    expect(Object.isFrozen(first.steps[0])).toBe(true);
    expect(first.text).toBe('meta.lang');
  });

  test.each([
    ['', 'it is empty'],
    ['a[', '`[` at position 1 is never closed'],
    ['a[x]', '`[x]` is not an index'],
    ['a[]', '`[]` is not an index'],
    ['a[1.5]', '`[1.5]` is not an index'],
    ['a..b', 'empty field name at position 2'],
    ['.a', 'empty field name at position 0'],
    ['a.', 'empty field name at position 2'],
    ['[0]', 'empty field name at position 0'],
    ['a.[0]', 'empty field name at position 2'],
    ['a]', 'unexpected `]` at position 1'],
    ['a[0]b', 'unexpected `b` at position 4'],
    ['a[:1].b', 'a slice can only be the last step'],
    ['a[1:][0]', 'a slice can only be the last step'],
    ['a[99999999999999999999]', 'index `99999999999999999999` is too large'],
  ])('rejects the malformed path %j with a TypeError naming it', (path, reason) => {
    expect(() => parseFieldPath(path)).toThrow(TypeError);
    expect(() => parseFieldPath(path)).toThrow(`field path \`${path}\` is malformed: ${reason}`);
  });

  test('rejects a path that is not a string', () => {
    expect(() => parseFieldPath(3 as unknown as string)).toThrow(new TypeError('field path must be a string, received a number'));
  });

  test('throws on malformed paths given to getField and setField too', () => {
    expect(() => getField({ a: 1 }, 'a[')).toThrow(TypeError);
    expect(() => setField({ a: 1 }, 'a..b', 1)).toThrow(TypeError);
  });
});

describe('getField', () => {
  test('reads nested fields, lists, slices and items (DGT test_from_dict)', () => {
    expect(getField(nested, 'key_1.key_2.key_4')).toBe('key_4_value');
    expect(getField(nested, 'key_1.key_2.key_3')).toBe(list);
    expect(getField(nested, 'key_1.key_2.key_3[1:]')).toEqual([list[1], list[2]]);
    expect(getField(nested, 'key_1.key_2.key_3[:1]')).toEqual([list[0]]);
    expect(getField(nested, 'key_1.key_2.key_3[1].list_key_2.list_key_2_value_1')).toEqual({
      list_key_2_value_1_list_1: [1, 2, 3],
    });
  });

  test('reads negative indexes from the end and slices like Array.slice', () => {
    const record = { items: ['a', 'b', 'c', 'd'] };
    expect(getField(record, 'items[-1]')).toBe('d');
    expect(getField(record, 'items[-4]')).toBe('a');
    expect(getField(record, 'items[1:3]')).toEqual(['b', 'c']);
    expect(getField(record, 'items[-2:]')).toEqual(['c', 'd']);
    expect(getField(record, 'items[:-1]')).toEqual(['a', 'b', 'c']);
    expect(getField(record, 'items[:10]')).toEqual(['a', 'b', 'c', 'd']);
    expect(getField(record, 'items[:]')).not.toBe(record.items);
  });

  test('reads through chained indexes', () => {
    expect(getField({ grid: [[1, 2], [3, 4]] }, 'grid[1][0]')).toBe(3);
  });

  test('lets a present null through, at the end of the path', () => {
    expect(getField({ maybe: null }, 'maybe')).toBeNull();
    expect(getField({ maybe: null }, 'maybe', { strict: false })).toBeNull();
  });

  test('reads nested values from lists of messages (DGT transform_input)', () => {
    const row = { messages: [{ content: 'hello' }, { content: 'world' }] };
    expect(getField(row, 'messages[0].content')).toBe('hello');
  });

  test('accepts a parsed path', () => {
    expect(getField({ a: { b: 2 } }, parseFieldPath('a.b'))).toBe(2);
  });

  test('throws on an absent field in strict mode, the default, naming the path and what is there', () => {
    expect(() => getField({ actual_field: 1 }, 'typo_field')).toThrow(
      'field path `typo_field`: `typo_field` is absent; the record has fields actual_field',
    );
    expect(() => getField({ meta: { lang: 'en' } }, 'meta.region')).toThrow(
      'field path `meta.region`: `meta.region` is absent; `meta` has fields lang',
    );
    expect(() => getField({ meta: {} }, 'meta.region')).toThrow('`meta` has no fields');
    expect(() => getField({ items: [1, 2] }, 'items[2]')).toThrow('field path `items[2]`: `items[2]` is absent; `items` has 2 items');
    expect(() => getField({ items: [1] }, 'items[-2]')).toThrow('`items` has 1 item');
  });

  test('returns the missing sentinel when the last step is absent in non-strict mode', () => {
    expect(getField({ question_text: 'q' }, 'missing_key', { strict: false })).toBe(missing);
    expect(getField({ messages: [{ content: 'hello' }] }, 'messages[0].missing', { strict: false })).toBe(missing);
    expect(getField({ items: [] }, 'items[0]', { strict: false })).toBe(missing);
    expect(getField({ annotations: { magpie: { score: 0.9 } } }, 'annotations.missing', { strict: false })).toBe(missing);
  });

  test('counts a field holding undefined as absent', () => {
    expect(getField({ a: undefined }, 'a', { strict: false })).toBe(missing);
    expect(() => getField({ a: undefined, b: 1 }, 'a')).toThrow('the record has fields b');
  });

  test('throws on an absent intermediate step even in non-strict mode', () => {
    const row = { question_text: 'q' };
    for (const strict of [true, false]) {
      expect(() => getField(row, 'messages[0].content', { strict })).toThrow(
        'field path `messages[0].content`: `messages` is absent; the record has fields question_text',
      );
    }
    expect(() => getField({ messages: [] }, 'messages[0].content', { strict: false })).toThrow('`messages[0]` is absent');
  });

  test('does not traverse a null intermediate (DGT none_intermediate_raises)', () => {
    expect(() => getField({ annotations: null }, 'annotations.magpie', { strict: false })).toThrow(
      new TypeError('field path `annotations.magpie`: `annotations` is null, expected an object'),
    );
  });

  test('throws a TypeError naming the step and what it found when a step meets the wrong kind of value', () => {
    expect(() => getField({ meta: 'en' }, 'meta.lang')).toThrow(new TypeError('field path `meta.lang`: `meta` is a string, expected an object'));
    expect(() => getField({ meta: { lang: 'en' } }, 'meta[0]', { strict: false })).toThrow(
      new TypeError('field path `meta[0]`: `meta` is an object, expected an array'),
    );
    expect(() => getField({ list: [1] }, 'list.length')).toThrow('`list` is an array, expected an object');
    expect(() => getField({ list: [1] }, 'list[0].x')).toThrow('`list[0]` is a number, expected an object');
    expect(() => getField({ flag: true }, 'flag[:1]')).toThrow('`flag` is a boolean, expected an array');
    expect(() => getField('text', 'a')).toThrow(new TypeError('field path `a`: the record is a string, expected an object'));
    expect(() => getField(null, 'a', { strict: false })).toThrow('the record is null, expected an object');
  });

  test('refuses to read an append', () => {
    expect(() => getField({ tags: ['a'] }, 'tags[+]')).toThrow(new TypeError('field path `tags[+]`: `[+]` appends, so it cannot be read'));
  });

  test('reads own fields only, not inherited ones', () => {
    expect(() => getField({}, 'constructor')).toThrow('`constructor` is absent');
    expect(getField({}, 'toString', { strict: false })).toBe(missing);
  });
});

describe('setField', () => {
  test('writes nested paths, creating lists and objects (DGT test_to_dict)', () => {
    expect(setField({}, 'key_1.key_2[0]', 'value_1')).toEqual({ key_1: { key_2: ['value_1'] } });
    expect(setField({}, 'key_1.key_2[0].key_3', 'value_1')).toEqual({ key_1: { key_2: [{ key_3: 'value_1' }] } });
    expect(setField({ key_1: { key_2: [{ key_3: 'value_1' }] } }, 'key_1.key_2[0].key_3', 'value_N')).toEqual({
      key_1: { key_2: [{ key_3: 'value_N' }] },
    });
    expect(setField({ key_1: { key_2: [{ key_3: 'value_1' }] } }, 'key_1.key_2', 'value_N')).toEqual({ key_1: { key_2: 'value_N' } });
  });

  test('writes flat fields next to the others (DGT flat_write_preserved)', () => {
    expect(setField({ question: 'q' }, 'result_tags', ['a', 'b'])).toEqual({ question: 'q', result_tags: ['a', 'b'] });
  });

  test('creates intermediate objects (DGT nested_write_path_creates_intermediate_dicts)', () => {
    expect(setField({ question: 'q' }, 'annotations.magpie.score', 0.9)).toEqual({
      question: 'q',
      annotations: { magpie: { score: 0.9 } },
    });
  });

  test('reads with one path and writes with another (DGT nested_read_and_write_combined)', () => {
    const output = { result: { scores: [{ value: 0.7 }, { value: 0.3 }] } };
    expect(setField({}, 'metadata.top_score', getField(output, 'result.scores[0].value'))).toEqual({ metadata: { top_score: 0.7 } });
  });

  test('appends with [+], creating the list when absent or null (DGT append_modifier_on_destination)', () => {
    const once = setField({}, 'tags[+]', 'a');
    expect(setField(once, 'tags[+]', 'b')).toEqual({ tags: ['a', 'b'] });
    expect(setField({ tags: null }, 'tags[+]', 'alpha')).toEqual({ tags: ['alpha'] });
  });

  test('appends a fresh object at an intermediate [+] and descends (DGT append_intermediate)', () => {
    const once = setField({}, 'annotations[+].magpie.score', 0.9);
    expect(setField(once, 'annotations[+].magpie.score', 0.4)).toEqual({
      annotations: [{ magpie: { score: 0.9 } }, { magpie: { score: 0.4 } }],
    });
    const entries = setField(setField({}, 'annotations.entries[+].name', 'a'), 'annotations.entries[+].name', 'b');
    expect(entries).toEqual({ annotations: { entries: [{ name: 'a' }, { name: 'b' }] } });
    expect(setField({}, 'grid[+][+]', 1)).toEqual({ grid: [[1]] });
  });

  test('replaces a null or undefined intermediate (DGT none_intermediate_on_destination_treated_as_absent)', () => {
    expect(setField({ magpie_tags: null }, 'magpie_tags.metadata.label', 'gold')).toEqual({ magpie_tags: { metadata: { label: 'gold' } } });
    expect(setField({ list: [null] }, 'list[0].a', 1)).toEqual({ list: [{ a: 1 }] });
    expect(setField({ a: undefined }, 'a.b', 1)).toEqual({ a: { b: 1 } });
  });

  test('writes a present null value as null (DGT present_none_value_flows_through)', () => {
    expect(setField({}, 'annotations.maybe', null)).toEqual({ annotations: { maybe: null } });
  });

  test('replaces items by index, negative from the end, and appends at index === length', () => {
    expect(setField({ items: ['a', 'b'] }, 'items[0]', 'x')).toEqual({ items: ['x', 'b'] });
    expect(setField({ items: ['a', 'b'] }, 'items[-1]', 'x')).toEqual({ items: ['a', 'x'] });
    expect(setField({ items: ['a', 'b'] }, 'items[2]', 'c')).toEqual({ items: ['a', 'b', 'c'] });
    expect(setField({ grid: [[1, 2]] }, 'grid[0][1]', 9)).toEqual({ grid: [[1, 9]] });
  });

  test('throws naming the path when an index is beyond the end of its array', () => {
    expect(() => setField({ items: ['a'] }, 'items[5]', 'x')).toThrow('field path `items[5]`: cannot write `items[5]`; `items` has 1 item');
    expect(() => setField({ items: ['a'] }, 'items[-2]', 'x')).toThrow('cannot write `items[-2]`; `items` has 1 item');
    expect(() => setField({}, 'items[3]', 'x')).toThrow('cannot write `items[3]`; `items` has 0 items');
  });

  test('throws a TypeError naming the step when it meets the wrong kind of value', () => {
    expect(() => setField({ question: 'q' }, 'question[+]', 'x')).toThrow(
      new TypeError('field path `question[+]`: `question` is a string, expected an array'),
    );
    expect(() => setField({ meta: 'en' }, 'meta.lang', 'x')).toThrow(new TypeError('field path `meta.lang`: `meta` is a string, expected an object'));
    expect(() => setField({ meta: { lang: 'en' } }, 'meta[0]', 'x')).toThrow('`meta` is an object, expected an array');
    expect(() => setField({ list: [[]] }, 'list[0].a', 1)).toThrow('`list[0]` is an array, expected an object');
    expect(() => setField('text' as unknown as Record<string, unknown>, 'a', 1)).toThrow(
      new TypeError('field path `a`: the record is a string, expected an object'),
    );
  });

  test('refuses to write a slice (DGT slice_write_rejected)', () => {
    expect(() => setField({ tags: ['a'] }, 'tags[:1]', 'x')).toThrow(new TypeError('field path `tags[:1]`: a slice cannot be written'));
  });

  test('never modifies its input and copies only along the path', () => {
    const input = {
      question: 'q',
      other: { untouched: [1, 2] },
      annotations: { magpie: { score: 0.1 }, rouge: { score: 0.2 } },
      tags: ['a'],
    };
    const before = structuredClone(input);
    const written = setField(input, 'annotations.magpie.score', 0.9);
    expect(input).toEqual(before);
    expect(written).not.toBe(input);
    expect(written.annotations).not.toBe(input.annotations);
    expect(written.other).toBe(input.other);
    expect(written.annotations.rouge).toBe(input.annotations.rouge);
    expect(written.annotations.magpie).toEqual({ score: 0.9 });

    const appended = setField(input, 'tags[+]', 'b');
    expect(input.tags).toEqual(['a']);
    expect(appended.tags).toEqual(['a', 'b']);
    expect(appended.annotations).toBe(input.annotations);
  });

  test('works on deep-frozen records', () => {
    const frozen = deepFreeze({ list: [{ a: 1 }, { a: 2 }], meta: { lang: 'en' }, tags: ['x'] });
    expect(setField(frozen, 'list[1].a', 3)).toEqual({ list: [{ a: 1 }, { a: 3 }], meta: { lang: 'en' }, tags: ['x'] });
    expect(setField(frozen, 'tags[+]', 'y').tags).toEqual(['x', 'y']);
    expect(setField(frozen, 'meta.region.name', 'eu').meta).toEqual({ lang: 'en', region: { name: 'eu' } });
    expect(setField(frozen, 'list[2].a', 4).list).toHaveLength(3);
    expect(frozen).toEqual({ list: [{ a: 1 }, { a: 2 }], meta: { lang: 'en' }, tags: ['x'] });
  });

  test('treats a field named __proto__ as a plain field', () => {
    const written = setField({}, '__proto__.polluted', true);
    expect(Object.getPrototypeOf(written)).toBe(Object.prototype);
    expect(Object.hasOwn(written, '__proto__')).toBe(true);
    expect(getField(written, '__proto__.polluted')).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  test('round-trips with getField', () => {
    const written = setField({ messages: [{ role: 'user' }] }, 'messages[0].content', 'hi');
    expect(getField(written, 'messages[0].content')).toBe('hi');
    expect(getField(written, 'messages[-1].role')).toBe('user');
  });
});
