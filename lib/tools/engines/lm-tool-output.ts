import { createRequire } from 'node:module';
import { extractJson } from '../../text/extract-json.ts';
import type { Tool } from '../tool.ts';

const require = createRequire(import.meta.url);
const validators = new WeakMap<object, ((value: unknown) => boolean) | null>();

/** Whether `value` satisfies the JSON Schema (an uncompilable schema accepts nothing). */
function satisfies(schema: Readonly<Record<string, unknown>>, value: unknown): boolean {
  let validate = validators.get(schema);
  if (validate === undefined) {
    try {
      const { Ajv } = require('ajv') as typeof import('ajv');
      const compiled = new Ajv({ strict: false, validateFormats: false, logger: false }).compile(schema);
      validate = (candidate) => compiled(candidate) === true;
    } catch {
      validate = null;
    }
    validators.set(schema, validate);
  }
  return validate !== null && validate(value);
}

/** Drops empty values (`[]`, `''`, `null`, `{}`) at every depth and, with a schema, keys it does not declare. */
function filterOutput(output: Record<string, unknown>, properties: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const empty = (value: unknown): boolean =>
    value === null || value === '' || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0);
  const clean = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(clean);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).filter(([, inner]) => !empty(inner)).map(([key, inner]) => [key, clean(inner)]));
    return value;
  };
  const known = Object.keys(properties);
  const projected = known.length > 0 ? Object.fromEntries(Object.entries(output).filter(([key]) => known.includes(key))) : output;
  return clean(projected) as Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a simulated tool result from the model's answers, as DGT's `lm` engine does: the first answer holding a JSON
 * object; its `error` field makes an error result; without an output schema the object is the result; with one, the
 * object (keys it declares, empty values dropped) must satisfy it, else its `result` envelope unwrapped must.
 *
 * ## Example
 * ```ts
 * lmToolOutput(['{"temperature": 4, "extra": 1}'], toolWithSchema); // { result: { temperature: 4 } }
 * lmToolOutput(['{"error": "city unknown"}'], tool);                 // { error: 'city unknown' }
 * lmToolOutput(['not json'], tool);                                   // { error: 'failed to generate valid tool result' }
 * ```
 */
export function lmToolOutput(texts: readonly string[], tool: Tool): { readonly result?: Record<string, unknown>; readonly error?: string } {
  for (const text of texts) {
    const extracted = extractJson(text.trim());
    if (!extracted.success || !isObject(extracted.data) || Object.keys(extracted.data).length === 0) continue;
    const output = extracted.data;
    if (output['error']) return { error: typeof output['error'] === 'string' ? output['error'] : JSON.stringify(output['error']) };
    if (Object.keys(tool.outputParameters).length === 0) return { result: output };
    const properties = isObject(tool.outputParameters['properties']) ? tool.outputParameters['properties'] : {};
    const filtered = filterOutput(output, properties);
    if (satisfies(tool.outputParameters, filtered)) return { result: filtered };
    const envelope = output['result'];
    if (!('result' in properties) && isObject(envelope)) {
      const unwrapped = filterOutput(envelope, properties);
      if (satisfies(tool.outputParameters, unwrapped)) return { result: unwrapped };
    }
  }
  return { error: 'failed to generate valid tool result' };
}
