import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/errors/config-error.ts';
import { templateFormatter } from '../../lib/formatters/template.ts';

describe('formatters/template', () => {
  it('renders each string of the format as Jinja with the record\'s fields; a string format gives { text }', () => {
    const record = { task_name: 'qa', is_seed: false, question: 'why?', tags: ['a', 'b'] };
    expect(templateFormatter({ prompt: '{{ question | upper }}', tags: '{{ tags | join(",") }}' })(record)).toEqual({ prompt: 'WHY?', tags: 'a,b' });
    expect(templateFormatter('Q: {{ question }}')(record)).toEqual({ text: 'Q: why?' });
  });

  it('a field the record lacks: a ConfigError on one line naming the formatter, the output key and the rxdgt_id', () => {
    const format = templateFormatter({ prompt: '{{ question }}', answer: 'A: {{ answer }}' });
    let thrown: unknown;
    try {
      format({ task_name: 'qa', is_seed: false, rxdgt_id: '8-0d', question: 'Why?' });
    } catch (error) {
      thrown = error;
    }
    expect(ConfigError.isInstance(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/^formatter `formatters\/template`: record `8-0d` cannot be rendered into `answer`: [^\n]*undefined value$/);
  });
});
