import { describe, expect, it } from 'vitest';
import { parsePythonLiteral } from '../../../lib/blocks/utilities/python-literal.ts';

const valueOf = (text: string) => {
  const result = parsePythonLiteral(text);
  if (!result.success) throw new Error(`${text} did not parse`);
  return result.value;
};

describe('parsePythonLiteral', () => {
  it('reads lists, tuples and dicts of Python scalars as JSON values', () => {
    expect(valueOf("[{'name': 'f', 'arguments': {'x': True, 'y': None, 'z': False}}]")).toEqual([{ name: 'f', arguments: { x: true, y: null, z: false } }]);
    expect(valueOf('(1, -2.5, 3e2, 0x1F, 1_000,)')).toEqual([1, -2.5, 300, 31, 1000]);
    expect(valueOf('((1))')).toBe(1);
    expect(valueOf('()')).toEqual([]);
    expect(valueOf('{1: "a", None: "b", True: "c"}')).toEqual({ 1: 'a', null: 'b', true: 'c' });
    expect(valueOf(' [\n 1,\n 2 ] ')).toEqual([1, 2]);
  });

  it('reads strings with escapes, raw and triple-quoted strings, and joins adjacent ones', () => {
    expect(valueOf(String.raw`'it\'s\n\x41\u00e9'`)).toBe("it's\nAé");
    expect(valueOf(String.raw`r'a\nb'`)).toBe(String.raw`a\nb`);
    expect(valueOf(`'''one 'two'\nthree'''`)).toBe("one 'two'\nthree");
    expect(valueOf(`'a' "b" u'c'`)).toBe('abc');
    expect(valueOf(`{'__proto__': 1}`)).toEqual(JSON.parse('{"__proto__": 1}'));
  });

  it('fails on what has no JSON form or is not a literal', () => {
    for (const text of ['{1, 2}', "b'bytes'", '1j', 'true', 'f(1)', '[1, 2', "'open", '[1] [2]', '{(1, 2): 3}', '']) {
      expect(parsePythonLiteral(text)).toEqual({ success: false });
    }
  });
});
