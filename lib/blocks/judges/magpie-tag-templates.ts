/**
 * The prompt templates of `magpie_tag`, as files in DGT's layout: `<name>.txt` in the tag block's `prompt_templates`
 * folder, written in Python `str.format` syntax (`{input}`, `{output}`, `{str_conversation}`; `{{` and `}}` are
 * literal braces). DGT keeps them in `fms_dgt/public/blocks/magpie/tag/prompt_templates/`; rxdgt ships its own under
 * the same names in `builders/magpie/tag/prompt_templates/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describeFsCause } from '../../errors/datastore-error.ts';
import { ConfigError } from '../../errors/config-error.ts';
import { packagePath } from '../../package-path.ts';

/** Each template DGT's tagger reads, with the variables it is given. */
export const magpieTemplateVariables = {
  input_quality_rating: ['input', 'output'],
  sample_quality_rating: ['input', 'output'],
  input_difficulty_rating: ['input', 'output'],
  input_classification: ['input', 'output'],
  input_quality_rating_mt: ['str_conversation'],
  sample_quality_rating_mt: ['str_conversation'],
  conversations_quality_rating_mt: ['str_conversation'],
} as const;
export type MagpieTemplateName = keyof typeof magpieTemplateVariables;

/** A compiled template: literal text and variable names, in order. */
export interface MagpieTemplate {
  readonly file: string;
  render(values: Readonly<Record<string, string>>): string;
}

/** Where DGT's tag templates sit relative to a builder's folder (`fms_dgt/public/databuilders/<builder>/`). */
const dgtRelativeFolder = ['..', '..', 'blocks', 'magpie', 'tag', 'prompt_templates'] as const;

/**
 * Compiles a template in Python `str.format` syntax: `{name}` is a variable, `{{`/`}}` literal braces. A lone brace,
 * a positional `{}`, an attribute, index, conversion or format spec, or a variable the template is not given is a
 * ConfigError naming the file.
 */
export function compilePythonFormat(source: string, file: string, variables: readonly string[]): MagpieTemplate {
  const parts: { readonly text: string; readonly variable?: string }[] = [];
  const pattern = /\{\{|\}\}|\{([^{}]*)\}|[{}]/g;
  let last = 0;
  for (const match of source.matchAll(pattern)) {
    const at = match.index;
    parts.push({ text: source.slice(last, at) });
    last = at + match[0].length;
    if (match[0] === '{{' || match[0] === '}}') {
      parts.push({ text: match[0][0] as string });
      continue;
    }
    const name = match[1];
    const line = source.slice(0, at).split('\n').length;
    if (name === undefined) throw new ConfigError(`line ${line}: a lone \`${match[0]}\` (write \`${match[0]}${match[0]}\` for a literal brace)`, { file });
    if (!/^[A-Za-z_]\w*$/.test(name)) throw new ConfigError(`line ${line}: \`{${name}}\` is not a plain variable such as \`{input}\``, { file });
    if (!variables.includes(name)) throw new ConfigError(`line ${line}: unknown variable \`{${name}}\` (this template is given ${variables.map((known) => `\`{${known}}\``).join(', ')})`, { file });
    parts.push({ text: '', variable: name });
  }
  parts.push({ text: source.slice(last) });
  return { file, render: (values) => parts.map((part) => (part.variable === undefined ? part.text : (values[part.variable] ?? ''))).join('') };
}

/**
 * The folder of one template: DGT's (`../../blocks/magpie/tag/prompt_templates/` from the builder's folder) when it
 * holds the file, else the one shipped with rxdgt. DGT has no multi-turn (`_mt`) templates: those come from rxdgt's.
 */
export function magpieTemplatePath(builderDirectory: string, name: MagpieTemplateName): string {
  const dgt = join(resolve(builderDirectory, ...dgtRelativeFolder), `${name}.txt`);
  return existsSync(dgt) ? dgt : packagePath('builders', 'magpie', 'tag', 'prompt_templates', `${name}.txt`);
}

/**
 * Every `magpie_tag` template, read and compiled once, for the builder whose folder is `builderDirectory`.
 *
 * ## Example
 * ```ts
 * const templates = loadMagpieTemplates('/src/fms-dgt/fms_dgt/public/databuilders/magpie');
 * templates.input_quality_rating.render({ input: 'Capital of France?', output: 'None' }); // DGT's own prompt text
 * ```
 * @throws {ConfigError} naming the template file when it cannot be read or is malformed
 */
export function loadMagpieTemplates(builderDirectory: string): Readonly<Record<MagpieTemplateName, MagpieTemplate>> {
  const entries = Object.entries(magpieTemplateVariables).map(([name, variables]) => {
    const file = magpieTemplatePath(builderDirectory, name as MagpieTemplateName);
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`cannot read the magpie_tag prompt template: ${describeFsCause(error)}`, { file, cause: error });
    }
    return [name, compilePythonFormat(source, file, variables)] as const;
  });
  return Object.fromEntries(entries) as Record<MagpieTemplateName, MagpieTemplate>;
}
