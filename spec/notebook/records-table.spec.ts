import { describe, expect, test } from 'vitest';
import { recordsTable } from '../../lib/notebook/records-table.ts';
import { escapeHtml } from '../../lib/notebook/escape-html.ts';

const cells = (html: string): string[] => [...html.matchAll(/<td(?: title="[^"]*")?>([\s\S]*?)<\/td>/g)].map((match) => match[1]!);
const headers = (html: string): string[] => [...html.matchAll(/<th>(.*?)<\/th>/g)].map((match) => match[1]!);

describe('recordsTable', () => {
  test('infers the columns from the records, in the order fields first appear, and leaves missing ones empty', () => {
    const html = recordsTable([{ question: 'Q1', answer: 'A1' }, { question: 'Q2', score: 3 }]);
    expect(headers(html)).toEqual(['question', 'answer', 'score']);
    expect(cells(html)).toEqual(['Q1', 'A1', '', 'Q2', '', '3']);
    expect(html).toContain('<caption style="text-align: left">2 records</caption>');
  });

  test('escapes every field name and value: untrusted text never becomes markup', () => {
    const html = recordsTable([{ '<b>field</b>': '<script>alert("x")</script> & \'more\'' }]);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>');
    expect(headers(html)).toEqual(['&lt;b&gt;field&lt;/b&gt;']);
    expect(cells(html)).toEqual(['&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;more&#39;']);
    expect(recordsTable([{ a: 1 }], { title: '<i>t</i>' })).toContain('&lt;i&gt;t&lt;/i&gt;: 1 record');
  });

  test('shows the chosen columns only, in their order; non-text values as JSON', () => {
    const html = recordsTable([{ a: 1, b: { nested: [true, null] }, c: 'x' }], { columns: ['c', 'b'] });
    expect(headers(html)).toEqual(['c', 'b']);
    expect(cells(html)).toEqual(['x', escapeHtml('{"nested":[true,null]}')]);
  });

  test('cuts long values with an ellipsis (whole code points), the tooltip holding more, escaped too', () => {
    const long = `${'😀'.repeat(5)}<tail>`;
    const html = recordsTable([{ text: long }], { maxLength: 4 });
    expect(cells(html)).toEqual(['😀😀😀😀…']);
    expect(html).toContain(`title="${escapeHtml(long)}"`);
    expect(cells(recordsTable([{ text: 'abcd' }], { maxLength: 4 }))).toEqual(['abcd']);
  });

  test('shows at most maxRows rows, the caption saying how many there were', () => {
    const html = recordsTable(Array.from({ length: 7 }, (_, index) => ({ n: index })), { maxRows: 3 });
    expect(cells(html)).toEqual(['0', '1', '2']);
    expect(html).toContain('3 of 7 records');
  });

  test('an empty list is an empty table; a value JSON cannot hold is written with String', () => {
    expect(recordsTable([])).toContain('0 records');
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(cells(recordsTable([{ big: 10n, circular }]))).toEqual(['10', '[object Object]']);
  });

  test('a bad option is a ConfigError naming it', () => {
    expect(() => recordsTable([], { maxLength: 0 })).toThrow(/recordsTable: invalid config at `maxLength`/);
    expect(() => recordsTable([], { maxRows: 1.5 })).toThrow(/`maxRows`/);
  });
});
