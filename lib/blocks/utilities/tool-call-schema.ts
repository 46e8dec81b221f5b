import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';

/** One problem with a tool call's arguments: where (a JSON pointer into them), what, and the value there. */
export interface ArgumentProblem {
  readonly path: string;
  readonly message: string;
  readonly value: unknown;
}

/** What {@link checkArguments} found: the problems, or that the tool's parameter schema is not a schema. */
export type ArgumentCheck = { readonly kind: 'checked'; readonly problems: readonly ArgumentProblem[] } | { readonly kind: 'bad-schema'; readonly message: string };

// OpenAPI 3.1 tool schemas are JSON Schema 2020-12 with extra annotation keywords (`example`, `discriminator`):
// unknown keywords are ignored, formats are not asserted (as DGT's `openapi_schema_validator.validate`), and no
// schema is registered by its `$id`, so two tools may share one.
/** Made at the first check: a run without tool calls never loads Ajv. */
let ajv: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction | string>();
const cacheLimit = 256;

function newAjv(): Ajv2020 {
  // Loaded with the first check, not with every run (as json-schema-internals loads its Ajv).
  const { Ajv2020: Validator } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  return new Validator({ strict: false, allErrors: true, validateFormats: false, addUsedSchema: false });
}

/**
 * Checks a tool call's arguments against its tool's `parameters` JSON schema (draft 2020-12). Schemas are compiled
 * once (a bounded cache keyed by their JSON); a top-level `$schema` is ignored, as DGT's validator does.
 *
 * ## Example
 * ```ts
 * checkArguments({ city: 3 }, { type: 'object', properties: { city: { type: 'string' } } });
 * // { kind: 'checked', problems: [{ path: '/city', message: 'must be string', value: 3 }] }
 * ```
 */
export function checkArguments(args: unknown, schema: unknown): ArgumentCheck {
  const validate = compile(schema);
  if (typeof validate === 'string') return { kind: 'bad-schema', message: validate };
  if (validate(args)) return { kind: 'checked', problems: [] };
  const problems = (validate.errors ?? []).map((error: ErrorObject) => ({
    path: error.instancePath,
    message: error.message ?? error.keyword,
    value: valueAt(args, error.instancePath),
  }));
  return { kind: 'checked', problems };
}

function compile(schema: unknown): ValidateFunction | string {
  if (typeof schema === 'boolean') schema = schema ? {} : { not: {} };
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'it is not an object';
  const { $schema: _ignored, ...rest } = schema as Record<string, unknown>;
  const key = JSON.stringify(rest);
  const known = compiled.get(key);
  if (known !== undefined) return known;
  if (compiled.size >= cacheLimit) {
    // Ajv keeps what it compiled; a fresh instance lets the old schemas go.
    compiled.clear();
    ajv = undefined;
  }
  let result: ValidateFunction | string;
  try {
    ajv ??= newAjv();
    result = ajv.compile(rest);
  } catch (error) {
    result = error instanceof Error ? error.message : String(error);
  }
  compiled.set(key, result);
  return result;
}

function valueAt(root: unknown, pointer: string): unknown {
  let current = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}
