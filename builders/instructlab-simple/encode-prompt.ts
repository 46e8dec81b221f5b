import type { PromptTemplate } from '../../lib/template.ts';
import type { SimpleRecord } from './simple-example.ts';

/**
 * Builds the simple builder's prompt as DGT's instructlab `encode_prompt` does: the template rendered with
 * `taxonomy` (the first example's `taxonomy_path`), `task_description` and `document` (one of the first example's
 * documents, drawn with `random`, or null), then each example as `* Task <n>` with `** Instruction` (whitespace
 * collapsed, a trailing colon dropped), `** Input` (`<noinput>` when empty) and `** Output` sections, then the
 * heading `* Task <examples + 1>` the model continues from.
 *
 * ## Example
 * ```ts
 * encodePrompt([example], compileTemplate('Write tasks about {{ taxonomy }}.'), Math.random);
 * // 'Write tasks about t.\n* Task 1\n** Instruction\nWho came first?\n** Input\n<noinput>\n** Output\nJoe.\n* Task 2\n'
 * ```
 */
export function encodePrompt(examples: readonly SimpleRecord[], template: PromptTemplate, random: () => number): string {
  const first = examples[0];
  if (!first) throw new Error('a prompt needs at least one example');
  const documents = first.document ?? [];
  const document = documents.length > 0 ? documents[Math.floor(random() * documents.length)] : null;
  // DGT strips the template file and ends it with one newline before rendering.
  let prompt = template.render({ taxonomy: first.taxonomy_path, task_description: first.task_description, document });
  examples.forEach((example, index) => {
    if (!prompt.endsWith('\n')) prompt += '\n';
    const instruction = example.instruction.replace(/\s+/g, ' ').trim().replace(/:+$/, '');
    prompt += `* Task ${index + 1}\n** Instruction\n${instruction}\n** Input\n${example.input === '' ? '<noinput>' : example.input}\n** Output\n${example.output}\n`;
  });
  return `${prompt}* Task ${examples.length + 1}\n`;
}
