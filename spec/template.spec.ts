import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nunjucks from 'nunjucks';
import { describe, expect, test } from 'vitest';
import { compileTemplate, loadTemplate } from '../lib/template.ts';
import { tempDir } from './helpers/temp-dir.ts';

/** What nunjucks itself renders, with the settings of `compileTemplate`, or the message of the error it raises. */
function nunjucksRender(source: string, context: object): string {
  const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
  return outputOrError(() => new nunjucks.Template(source, environment, undefined, true).render(context));
}

function outputOrError(render: () => string): string {
  try {
    return render();
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

const sources = [
  'Some pairs:\n\n{{ examples }}\n\nWrite one more.\n',
  '{{examples}}',
  '{{ a }}{{ b }} and {{\ta\n}}',
  'no variable at all, { braces } and }} alone',
  'a{{ {} }}{{ examples }}',
  '{{ examples | upper }} then {{ a }}',
  '{% if a %}{{ a }}{% endif %}{{ examples }}',
  '{# a comment #}{{ examples }}',
  '{{- examples -}}  ',
  '{{ true }} {{ none }} {{ examples }}',
  '{{ a + b }}',
  '{{ range }}',
];

const contexts: object[] = [
  { examples: 'Question: Q?\nAnswer: A.', a: 1, b: 'two' },
  { examples: ['x', 'y'], a: { toString: () => 'object' }, b: true },
  { examples: 0, a: false, b: '' },
  { examples: 3.5, a: 'α <b>&', b: 'b' },
];

describe('compileTemplate', () => {
  test('renders as nunjucks does, plain templates and others alike', () => {
    for (const source of sources) {
      const template = compileTemplate(source);
      for (const context of contexts) expect(outputOrError(() => template.render(context as Record<string, unknown>))).toBe(nunjucksRender(source, context));
    }
  });

  test('an undefined or null variable is the error nunjucks raises, naming the problem', () => {
    const template = compileTemplate('Pairs: {{ examples }}');
    expect(() => template.render({})).toThrow(/undefined value/);
    expect(() => template.render({ examples: null })).toThrow(/undefined value/);
    expect(() => template.render({ examples: undefined })).toThrow(/undefined value/);
  });

  test('an inherited value renders as nunjucks renders it', () => {
    const context = Object.create({ examples: 'inherited' }) as Record<string, unknown>;
    expect(outputOrError(() => compileTemplate('{{ examples }}!').render(context))).toBe(nunjucksRender('{{ examples }}!', context));
  });

  test('a syntax error throws when the template is compiled', () => {
    expect(() => compileTemplate('{% if %}')).toThrow();
    expect(() => compileTemplate('{{ examples ')).toThrow();
    expect(() => compileTemplate('a{{{ examples }}')).toThrow(/colon after dict key/);
    // A comment's end outside a comment, beside plain outputs: nunjucks rejects it, so the template is not plain.
    expect(() => compileTemplate('Answer #} then {{ a }}')).toThrow(/end of comment/);
    expect(() => compileTemplate('{{ a }} -#}')).toThrow(/end of comment/);
  });
});

describe('loadTemplate', () => {
  test('compiles a template file once', () => {
    const path = join(tempDir(), 'prompt.txt');
    writeFileSync(path, 'Pairs:\n{{ examples }}\nMore.\n');
    const template = loadTemplate(path);
    writeFileSync(path, 'changed');
    expect(template.render({ examples: 'Q: a' })).toBe('Pairs:\nQ: a\nMore.\n');
  });
});
