import { describe, expect, it } from 'vitest';
import { nativeFormatter } from '../../lib/formatters/native.ts';

const record = { task_name: 'qa', is_seed: false, question: 'Why?', answer: 'Because.', score: 3, ok: true, none: null, tags: ['a'] };

describe('formatters/native', () => {
  it('a mapping format gives the same keys, each {{field}} replaced by the value as Python str() writes it', () => {
    const format = nativeFormatter({ input: 'Q: {{question}}', output: '{{answer}} ({{score}}, {{ok}}, {{none}}, {{tags}})' });
    expect(format(record)).toEqual({ input: 'Q: Why?', output: 'Because. (3, True, None, ["a"])' });
  });

  it('a string format gives { text }; a placeholder naming no field stays as written', () => {
    expect(nativeFormatter('{{question}} {{missing}}')(record)).toEqual({ text: 'Why? {{missing}}' });
  });
});
