import { describe, expect, it } from 'vitest';
import { jsonValueOffset } from '../../../lib/blocks/syntax/json-value-offset.ts';

describe('jsonValueOffset', () => {
  const text = '{"a": [10, {"b": true, "c": "x\\"]}"}], "d\\u0065": {"e": [[], {}, -1.5e3]}, "a2": null}';

  it('finds the start of the value at a path', () => {
    const at = (path: string[]): string => text.slice(jsonValueOffset(text, path));
    expect(jsonValueOffset(text, [])).toBe(0);
    expect(at(['a'])).toMatch(/^\[10,/);
    expect(at(['a', '0'])).toMatch(/^10,/);
    expect(at(['a', '1', 'c'])).toMatch(/^"x\\"]}"}/);
    expect(at(['de', 'e', '2'])).toMatch(/^-1\.5e3]/);
    expect(at(['a2'])).toMatch(/^null}/);
  });

  it('is undefined for a path the text does not hold', () => {
    for (const path of [['z'], ['a', '2'], ['a', 'x'], ['a', '0', 'b'], ['de', 'e', '01']]) expect(jsonValueOffset(text, path)).toBeUndefined();
  });

  it('takes the last of duplicate keys, as JSON.parse does', () => {
    expect(jsonValueOffset('{"k": 1, "k": 2}', ['k'])).toBe(14);
  });
});
