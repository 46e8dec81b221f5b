import { describe, expect, it } from 'vitest';
import { isGrounded, mentionsIndirectly, normalizeText, pythonText, refersTo } from '../../../lib/blocks/utilities/tool-call-grounding.ts';

const tools = [
  { name: 'search', output_parameters: { properties: { results: {}, count: {} } } },
  { name: 'book', output_parameters: { properties: { booking_id: {} } } },
  { name: 'plain' },
];

describe('normalizeText and pythonText', () => {
  it("write values as Python's str() and keep letters, digits and spaces, lowercase", () => {
    expect([pythonText(null), pythonText(true), pythonText(2.5), pythonText('x'), pythonText([1])]).toEqual(['None', 'True', '2.5', 'x', '[1]']);
    expect(normalizeText('New-York, NY!')).toBe('newyork ny');
    expect(normalizeText('Ünïcode ²')).toBe('ünïcode ²');
    expect(normalizeText('?!')).toBe('?!');
  });
});

describe('isGrounded', () => {
  const question = 'Book 2 tickets to São Paulo for three adults, under $500 (economy)?';

  it('finds a value verbatim, or normalized, in the question', () => {
    expect(isGrounded('São Paulo', question)).toBe(true);
    expect(isGrounded('sao paulo', question)).toBe(false);
    expect(isGrounded('SÃO PAULO', question)).toBe(true);
    expect(isGrounded('$500', question)).toBe(true);
    expect(isGrounded('economy', question)).toBe(true);
    expect(isGrounded('business', question)).toBe(false);
  });

  it('grounds whole numbers from 0 to 10 by their English word, and booleans as 1 and 0', () => {
    expect(isGrounded(2, question)).toBe(true);
    expect(isGrounded(3, question)).toBe(true);
    expect(isGrounded(4, question)).toBe(false);
    expect(isGrounded(500, question)).toBe(true);
    expect(isGrounded(true, 'just one please')).toBe(true);
    expect(isGrounded(false, 'zero is fine')).toBe(true);
    expect(isGrounded(null, 'none of them')).toBe(true);
  });

  it('grounds lists and objects item by item, and never an empty string', () => {
    expect(isGrounded(['São Paulo', 2], question)).toBe(true);
    expect(isGrounded({ city: 'São Paulo', seats: 4 }, question)).toBe(false);
    expect(isGrounded([], question)).toBe(true);
    expect(isGrounded('', question)).toBe(false);
    expect(isGrounded(' ', question)).toBe(true);
  });
});

describe('refersTo and mentionsIndirectly', () => {
  const calls = [
    { name: 'search', arguments: {}, id: '$1' },
    { name: 'book', arguments: {}, id: 7 },
    { name: 'plain', arguments: {} },
  ];

  it("finds whole references to a call's output parameters, in strings, lists, objects and keys", () => {
    expect(refersTo('$1.results', calls, tools)).toBe(true);
    expect(refersTo('$1.results[0].name', calls, tools)).toBe(true);
    expect(refersTo({ ids: ['7.booking_id'] }, calls, tools)).toBe(true);
    expect(refersTo({ '$1.count': 1 }, calls, tools)).toBe(true);
    expect(refersTo('$1.missing', calls, tools)).toBe(false);
    expect(refersTo('see $1.results', calls, tools)).toBe(false);
    expect(refersTo('$1.results', calls.slice(1), tools)).toBe(false);
  });

  it("flags a call's output mentioned inside a longer value", () => {
    expect(mentionsIndirectly('see $1.results', calls, tools)).toBe(true);
    expect(mentionsIndirectly('file.count', calls, tools)).toBe(true);
    // An output of one call written after another call's id.
    expect(mentionsIndirectly('7.results', calls, tools)).toBe(true);
    expect(mentionsIndirectly('$1.results', calls, tools)).toBe(false);
    expect(mentionsIndirectly('Paris', calls, tools)).toBe(false);
    expect(mentionsIndirectly(7, calls, tools)).toBe(false);
  });
});
