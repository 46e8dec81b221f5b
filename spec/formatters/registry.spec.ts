import { describe, expect, it } from 'vitest';
import { formatterConfigSchema, formatterTypes } from '../../lib/formatters/formatter-config.ts';
import { createFormatter, formatterRegistry } from '../../lib/formatters/registry.ts';
import { createFormatter as runFormatter } from '../../lib/run/formatter.ts';

describe('formatter registry', () => {
  it('has a formatter for every name the task schema accepts, under DGT\'s names', () => {
    expect(Object.keys(formatterRegistry).sort()).toEqual([...formatterTypes].sort());
    expect(formatterTypes).toEqual([
      'formatters/native',
      'formatters/template',
      'formatters/conversation/messages',
      'formatters/conversation/rag/static',
      'formatters/safety/refusal',
      'tool_calling/formatters/multi_turn',
      'tool_calling/formatters/single_turn',
    ]);
  });

  it('createFormatter (also from lib/run/formatter.ts) makes the formatter the config names', () => {
    const record = { task_name: 't', is_seed: false, instruction: 'Hi', question: 'Why?' };
    expect(createFormatter({ type: 'formatters/safety/refusal' })(record)).toEqual({ instruction: 'Hi', response: null, metadata: {} });
    expect(runFormatter({ type: 'formatters/native', format: '{{question}}' })(record)).toEqual({ text: 'Why?' });
  });

  it('the schema: an unknown type names the known ones; only native and template take a format', () => {
    const unknown = formatterConfigSchema.safeParse({ type: 'formatters/nope' });
    expect(unknown.error?.issues[0]?.message).toBe(`unknown formatter \`formatters/nope\` (known: ${formatterTypes.join(', ')})`);
    expect(formatterConfigSchema.safeParse({ type: 'formatters/conversation/messages', format: 'x' }).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', keys: ['format'] });
    expect(formatterConfigSchema.safeParse({ type: 'formatters/native' }).success).toBe(false);
    expect(formatterConfigSchema.parse({ type: 'tool_calling/formatters/single_turn' })).toEqual({ type: 'tool_calling/formatters/single_turn' });
  });
});
