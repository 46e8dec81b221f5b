import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Environment, Template } from 'nunjucks';

const require = createRequire(import.meta.url);
let environment: Environment | undefined;

/**
 * Compiles `source` with nunjucks now (it compiles lazily by default), so a syntax error surfaces when the template
 * is loaded. nunjucks itself (some 20 files, about 20 ms) is loaded by the first template that needs it: a plain
 * template only when a variable is missing or null (nunjucks then renders it, with its own error).
 */
function nunjucksTemplate(source: string): Template {
  const nunjucks = require('nunjucks') as typeof import('nunjucks');
  environment ??= new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });
  return new nunjucks.Template(source, environment, undefined, true);
}

/** A Jinja prompt template (DGT's `JinjaPromptTemplate`), rendered with nunjucks. */
export interface PromptTemplate {
  render(context: Readonly<Record<string, unknown>>): string;
}

/** Compiles a Jinja template from a string (a syntax error throws here); an undefined variable is an error naming it. */
export function compileTemplate(source: string): PromptTemplate {
  const plain = plainTemplateOf(source);
  if (!plain) {
    const template = nunjucksTemplate(source);
    return { render: (context) => template.render(context as object) };
  }
  // Text and `{{ name }}` outputs only: nothing nunjucks could reject, so it compiles when first asked to render.
  let template: Template | undefined;
  return { render: (context) => renderPlain(plain, context) ?? (template ??= nunjucksTemplate(source)).render(context as object) };
}

/** Compiles a Jinja template file once. */
export function loadTemplate(path: string): PromptTemplate {
  return compileTemplate(readFileSync(path, 'utf8'));
}

/** A template that is only text and `{{ name }}` outputs: `texts[0]`, then each name's value followed by the next text. */
interface PlainTemplate {
  readonly texts: readonly string[];
  readonly names: readonly string[];
}

/** An output of one plain variable, `{{ name }}` (no filter, no whitespace control). */
const plainOutput = /\{\{[ \t\r\n]*([A-Za-z_][A-Za-z0-9_]*)[ \t\r\n]*\}\}/g;

/** Words nunjucks reads as literals or operators, not as a variable. */
const keywords = new Set(['true', 'false', 'none', 'null', 'and', 'or', 'not', 'in', 'is', 'if', 'else']);

/**
 * The text and variable outputs of `source` when that is all it has (the usual prompt: a fixed text with an
 * `{{ examples }}` or two); undefined for anything else (tags, comments, filters, expressions), which nunjucks renders.
 */
function plainTemplateOf(source: string): PlainTemplate | undefined {
  const texts: string[] = [];
  const names: string[] = [];
  let from = 0;
  for (const match of source.matchAll(plainOutput)) {
    texts.push(source.slice(from, match.index));
    names.push(match[1]!);
    from = match.index + match[0].length;
  }
  texts.push(source.slice(from));
  // A text with a delimiter of its own (`#}` too: nunjucks rejects a comment's end outside a comment), or ending with
  // `{` (which would start a delimiter with the next output), is not plain.
  if (texts.some((text) => /\{[{%#]|#\}/.test(text)) || texts.slice(0, -1).some((text) => text.endsWith('{'))) return undefined;
  if (names.some((name) => keywords.has(name))) return undefined;
  return { texts, names };
}

/**
 * Renders a plain template as nunjucks does (each value appended with `+`, as its compiled code does); undefined when
 * a variable is not one of the context's own enumerable fields (nunjucks copies no other) or is null or undefined, for
 * nunjucks to render (its globals, its error).
 */
function renderPlain({ texts, names }: PlainTemplate, context: Readonly<Record<string, unknown>>): string | undefined {
  let output = texts[0]!;
  for (let index = 0; index < names.length; index += 1) {
    const name = names[index]!;
    if (!Object.prototype.propertyIsEnumerable.call(context, name)) return undefined;
    const value = context[name];
    if (value === undefined || value === null) return undefined;
    output = output + (value as string) + texts[index + 1]!;
  }
  return output;
}
