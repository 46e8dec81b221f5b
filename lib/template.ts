import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';

const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });

/** A Jinja prompt template (DGT's `JinjaPromptTemplate`), rendered with nunjucks. */
export interface PromptTemplate {
  render(context: Readonly<Record<string, unknown>>): string;
}

/** Compiles a Jinja template from a string (a syntax error throws here); an undefined variable is an error naming it. */
export function compileTemplate(source: string): PromptTemplate {
  // Compiled now (nunjucks compiles lazily by default), so a syntax error surfaces when the template is loaded.
  const template = new nunjucks.Template(source, environment, undefined, true);
  return { render: (context) => template.render(context as object) };
}

/** Compiles a Jinja template file once. */
export function loadTemplate(path: string): PromptTemplate {
  return compileTemplate(readFileSync(path, 'utf8'));
}
