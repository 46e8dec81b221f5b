import { readFileSync } from 'node:fs';
import nunjucks from 'nunjucks';

const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true });

/** A Jinja prompt template (DGT's `JinjaPromptTemplate`), rendered with nunjucks. */
export interface PromptTemplate {
  render(context: Readonly<Record<string, unknown>>): string;
}

/** Compiles a Jinja template from a string; an undefined variable is an error naming it. */
export function compileTemplate(source: string): PromptTemplate {
  const template = nunjucks.compile(source, environment);
  return { render: (context) => template.render(context as object) };
}

/** Compiles a Jinja template file once. */
export function loadTemplate(path: string): PromptTemplate {
  return compileTemplate(readFileSync(path, 'utf8'));
}
