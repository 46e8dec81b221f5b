import { type YAMLError, parseDocument } from 'yaml';
import { z } from 'zod';
import { errorMessage } from '../../error-message.ts';
import type { BlockDefinition, Verdict } from '../block-definition.ts';
import { locate, schemaCheck, schemaFields, schemaMismatch } from './json-schema-internals.ts';
import { notText, rejectAt, syntaxError } from './syntax-internals.ts';

const fields = {
  ...schemaFields,
  /** The YAML version the text is read as: `1.1` reads `yes`/`no` as booleans, as PyYAML does. @default '1.2' */
  version: z.enum(['1.1', '1.2']).default('1.2'),
};

/** The yaml package's words, first letter lowered; its advice about its own API replaced. */
function describeYamlError(error: YAMLError): string {
  if (error.code === 'MULTIPLE_DOCS') return 'the text holds more than one document';
  return error.message.charAt(0).toLowerCase() + error.message.slice(1);
}

/** An alias that cannot be expanded (unknown anchor, too many expansions), found when the document becomes a value. */
function aliasError(text: string, error: unknown): Verdict {
  const message = errorMessage(error);
  const alias = /\): (\S+)$/.exec(message)?.[1];
  const index = alias === undefined ? -1 : text.indexOf(`*${alias}`);
  const described = message.charAt(0).toLowerCase() + message.slice(1);
  if (index === -1) return rejectAt('syntax_error', 'yaml: syntax error', undefined, described);
  return syntaxError('yaml', text, index, described);
}

/**
 * `validators/yaml`: checks that the block's input `input` is one YAML document (the `yaml` package's
 * `parseDocument`), and, with `schema` or `schema_file`, that its value satisfies that JSON Schema (ajv).
 *
 * A parse error rejects with code `syntax_error` and a reason giving line and column (`yaml: syntax error at line 2,
 * column 1: map keys must be unique`); a schema failure with `schema_mismatch`, the JSON pointer of the failing value,
 * its line and column and ajv's message. A non-string input is `input_not_text`. The verdict's `metadata` holds
 * `line`, `column` and `message` (and `pointer` for schema failures). It writes no outputs.
 *
 * ## Example
 * ```yaml
 * - name: config_is_yaml
 *   type: validators/yaml
 *   input_map: { generated_config: input }
 *   schema: { type: object, required: [name] }
 *   filter: true
 * ```
 */
export const yamlValidator: BlockDefinition<typeof fields> = {
  type: 'validators/yaml',
  summary: 'checks that `input` is one YAML document, optionally satisfying a JSON Schema',
  fields,
  inputs: { required: ['input'] },
  validator: true,
  create(config, context) {
    const check = schemaCheck(config, context);
    const options = { version: config.version, prettyErrors: false } as const;
    return {
      kind: 'validator',
      check(input) {
        const text = input['input'];
        if (typeof text !== 'string') return notText(text);
        const document = parseDocument(text, options);
        const [error] = document.errors;
        if (error !== undefined) return syntaxError('yaml', text, error.pos[0], describeYamlError(error));
        let value: unknown;
        try {
          value = document.toJS();
        } catch (failure) {
          return aliasError(text, failure);
        }
        const problem = check?.(value);
        if (problem === undefined) return { valid: true };
        return schemaMismatch('yaml', problem, locate(document, problem.path, text));
      },
    };
  },
};
