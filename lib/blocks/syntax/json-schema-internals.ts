/**
 * The optional JSON Schema check of `validators/json` and `validators/yaml`: the `schema` / `schema_file` fields,
 * compiling the schema once with ajv, and the verdict for a value that fails it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { type Document, isNode, parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../../errors/config-error.ts';
import { describeFsCause } from '../../errors/datastore-error.ts';
import { errorMessage } from '../../error-message.ts';
import type { BlockContext, Verdict } from '../block-definition.ts';
import { resolveInside } from '../resolve-inside.ts';
import { type TextPosition, fieldError, fieldOf, positionAt } from './syntax-internals.ts';

// ajv is loaded when a block with a schema is created, not when the block list is imported.
const require = createRequire(import.meta.url);

/** The schema fields of the JSON and YAML validators. */
export const schemaFields = {
  /** A JSON Schema (an object) the parsed value must satisfy. Drafts 07, 2019-09 and 2020-12 (by `$schema`). */
  schema: z.record(z.string(), z.unknown()).optional(),
  /** A JSON or YAML file holding the JSON Schema, relative to the builder's folder and inside it. */
  schema_file: z.string().min(1).optional(),
};

/** Why a value fails its schema: the JSON pointer of the failing part, its path, and ajv's words. */
export interface SchemaProblem {
  readonly pointer: string;
  readonly path: readonly string[];
  readonly message: string;
}

/** Checks one parsed value against the compiled schema. */
export type SchemaCheck = (value: unknown) => SchemaProblem | undefined;

// Unknown keywords (typos) are config errors; `format` is not checked (no format plugin ships with ajv).
const ajvOptions: Options = {
  strictSchema: true,
  strictNumbers: true,
  strictTypes: false,
  strictTuples: false,
  strictRequired: false,
  validateFormats: false,
  logger: false,
};

type Compiler = { compile(schema: object): ValidateFunction };

/** An ajv instance for the schema's declared draft (draft-07 unless `$schema` names 2019-09 or 2020-12). */
function compilerFor(schema: Readonly<Record<string, unknown>>): Compiler {
  const declared = typeof schema['$schema'] === 'string' ? schema['$schema'] : '';
  if (declared.includes('2020-12')) return new (require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020(ajvOptions);
  if (declared.includes('2019-09')) return new (require('ajv/dist/2019.js') as typeof import('ajv/dist/2019.js')).Ajv2019(ajvOptions);
  return new (require('ajv') as typeof import('ajv')).Ajv(ajvOptions);
}

function readSchemaFile(path: string, context: BlockContext): Readonly<Record<string, unknown>> {
  const where = fieldOf(context, 'schema_file');
  const resolved = resolveInside(context.directory, path, where);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the schema file \`${path}\`: ${describeFsCause(error)}`, { ...where, cause: error });
  }
  const isYaml = /\.ya?ml$/i.test(resolved);
  let schema: unknown;
  try {
    schema = isYaml ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the schema file \`${path}\` is not valid ${isYaml ? 'YAML' : 'JSON'}: ${errorMessage(error)}`, { ...where, cause: error });
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new ConfigError(`the schema file \`${path}\` holds no JSON Schema object`, where);
  }
  return schema as Readonly<Record<string, unknown>>;
}

/** ajv's message, with the offending property or the allowed values when ajv leaves them out. */
function describeSchemaError(error: ErrorObject): string {
  const message = error.message ?? `fails \`${error.keyword}\``;
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') return `${message}: ${JSON.stringify(params['additionalProperty'])}`;
  if (error.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
    const allowed = params['allowedValues'].slice(0, 10).map((value) => JSON.stringify(value));
    return `${message}: ${allowed.join(', ')}${params['allowedValues'].length > 10 ? ', …' : ''}`;
  }
  return message;
}

const pathOf = (pointer: string): string[] =>
  pointer === '' ? [] : pointer.slice(1).split('/').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));

/**
 * The compiled check of a block's `schema` or `schema_file`, or undefined when it has neither.
 * @throws {ConfigError} naming the field, when both are set, the file cannot be read or lies outside the builder's
 * folder, or the schema is not a valid JSON Schema
 */
export function schemaCheck(
  config: { readonly schema?: Readonly<Record<string, unknown>> | undefined; readonly schema_file?: string | undefined },
  context: BlockContext,
): SchemaCheck | undefined {
  if (config.schema !== undefined && config.schema_file !== undefined) {
    throw fieldError(context, 'schema_file', 'set either `schema` or `schema_file`, not both');
  }
  const field = config.schema_file === undefined ? 'schema' : 'schema_file';
  const schema = config.schema_file === undefined ? config.schema : readSchemaFile(config.schema_file, context);
  if (schema === undefined) return undefined;
  let validate: ValidateFunction;
  try {
    validate = compilerFor(schema).compile(schema);
  } catch (error) {
    throw fieldError(context, field, `not a valid JSON Schema: ${errorMessage(error)}`, error);
  }
  return (value) => {
    if (validate(value)) return undefined;
    const [first] = validate.errors ?? [];
    if (first === undefined) return { pointer: '', path: [], message: 'does not match the schema' };
    return { pointer: first.instancePath, path: pathOf(first.instancePath), message: describeSchemaError(first) };
  };
}

/** Where the node at `path` (or its nearest ancestor that exists) starts in the text of a parsed YAML document. */
export function locate(document: Document, path: readonly string[], text: string): TextPosition | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return positionAt(text, node.range[0]);
  }
  return undefined;
}

/** The verdict for a value that fails its schema (`json: schema mismatch at /items/0 (line 3, column 5): must be number`). */
export function schemaMismatch(language: string, problem: SchemaProblem, position: TextPosition | undefined): Verdict {
  const where = problem.pointer === '' ? 'the top level' : problem.pointer;
  const at = position === undefined ? '' : ` (line ${position.line}, column ${position.column})`;
  return {
    valid: false,
    code: 'schema_mismatch',
    reason: `${language}: schema mismatch at ${where}${at}: ${problem.message}`,
    ...(position === undefined ? {} : { line: position.line, column: position.column }),
    metadata: { ...(position === undefined ? {} : { line: position.line, column: position.column }), message: problem.message, pointer: problem.pointer },
  };
}
