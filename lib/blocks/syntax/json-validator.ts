import type { BlockDefinition, Verdict } from '../block-definition.ts';
import { jsonErrorOffset } from './json-error-offset.ts';
import { schemaCheck, schemaFields, schemaMismatch } from './json-schema-internals.ts';
import { jsonValueOffset } from './json-value-offset.ts';
import { type TextPosition, notText, positionAt, syntaxError } from './syntax-internals.ts';

const fields = { ...schemaFields };

/** V8's words without the echoed text and the position (`unexpected token '}'`, `unterminated string`). */
function describeJsonError(message: string): string {
  const short = message
    .replace(/, ".*is not valid JSON$/s, '')
    .replace(/ (?:in JSON )?at position \d+.*$/s, '')
    .replace(/ of JSON input$/, ' of input');
  return short.charAt(0).toLowerCase() + short.slice(1);
}

/** The verdict for text `JSON.parse` refused: V8's position when it gives one, else where the text stops being JSON. */
function jsonSyntaxError(text: string, error: unknown): Verdict {
  const message = error instanceof Error ? error.message : String(error);
  const stated = /at position (\d+)/.exec(message);
  const index = stated ? Number(stated[1]) : /end of JSON input/.test(message) ? text.length : jsonErrorOffset(text);
  return syntaxError('json', text, index === -1 ? 0 : index, describeJsonError(message));
}

/** Where the value at `path` (or its nearest ancestor in the text) starts. */
function placeOf(text: string, path: readonly string[]): TextPosition | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const offset = jsonValueOffset(text, path.slice(0, length));
    if (offset !== undefined) return positionAt(text, offset);
  }
  return undefined;
}

/**
 * `validators/json`: checks that the block's input `input` is JSON text (`JSON.parse`), and, with `schema` or
 * `schema_file`, that its value satisfies that JSON Schema (ajv, compiled once when the block is created).
 *
 * A parse error rejects with code `syntax_error` and a reason giving line and column (`json: syntax error at line 2,
 * column 9: unexpected token '}'`); a schema failure with `schema_mismatch`, the JSON pointer of the failing value,
 * its line and column and ajv's message. A non-string input is `input_not_text`. The verdict's `metadata` holds
 * `line`, `column` and `message` (and `pointer` for schema failures). It writes no outputs.
 *
 * ## Example
 * ```yaml
 * - name: answer_is_json
 *   type: validators/json
 *   input_map: { answer: input }   # record field → the block's input
 *   schema_file: schemas/answer.json
 *   filter: true
 * ```
 */
export const jsonValidator: BlockDefinition<typeof fields> = {
  type: 'validators/json',
  summary: 'checks that `input` is JSON text, optionally satisfying a JSON Schema',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create(config, context) {
    const check = schemaCheck(config, context);
    return {
      kind: 'validator',
      check(input) {
        const text = input['input'];
        if (typeof text !== 'string') return notText(text);
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (error) {
          return jsonSyntaxError(text, error);
        }
        const problem = check?.(value);
        if (problem === undefined) return { valid: true };
        return schemaMismatch('json', problem, placeOf(text, problem.path));
      },
    };
  },
};
