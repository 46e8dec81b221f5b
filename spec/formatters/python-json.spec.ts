import { describe, expect, it } from 'vitest';
import { pythonJson } from '../../lib/formatters/python-json.ts';

describe('pythonJson', () => {
  it('writes what Python json.dumps writes: `, ` and `: ` separators, non-ASCII escaped', () => {
    expect(pythonJson({ city: 'Zürich', days: [1, 2.5], ok: true, none: null, empty: {}, list: [] })).toBe(
      '{"city": "Z\\u00fcrich", "days": [1, 2.5], "ok": true, "none": null, "empty": {}, "list": []}',
    );
    expect(pythonJson('quote " backslash \\ newline \n tab \t bell \u0007 del \u007f emoji 😀')).toBe(
      '"quote \\" backslash \\\\ newline \\n tab \\t bell \\u0007 del \\u007f emoji \\ud83d\\ude00"',
    );
    expect([pythonJson(null), pythonJson('x'), pythonJson(7)]).toEqual(['null', '"x"', '7']);
  });
});
