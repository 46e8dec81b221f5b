import { z } from 'zod';

/** One field of a config shape, as `rxdgt list` shows it. */
export interface FieldInfo {
  readonly name: string;
  /** What the field takes, in JSON Schema's words: `integer`, `string|null`, `f1|precision|recall`; `any` when it cannot be said. */
  readonly type: string;
  /** Whether a config must give it (it has no default and is not optional). */
  readonly required: boolean;
  /** Its default, as JSON; absent when it has none (or the default is no JSON value). */
  readonly default?: unknown;
}

/** A JSON Schema node, as far as this file reads it. */
interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly SchemaNode[];
  readonly oneOf?: readonly SchemaNode[];
  readonly items?: SchemaNode;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
}

/** The type of one JSON Schema node in a few words. */
function typeOf(node: SchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join('|');
  if (node.const !== undefined) return JSON.stringify(node.const);
  const branches = node.anyOf ?? node.oneOf;
  if (branches !== undefined) return [...new Set(branches.map(typeOf))].join('|');
  if (node.type === 'array') return node.items === undefined ? 'array' : `array of ${typeOf(node.items)}`;
  if (Array.isArray(node.type)) return node.type.join('|');
  return typeof node.type === 'string' ? node.type : 'any';
}

/**
 * The fields of a zod raw shape (a block's, a builder's task fields, an engine type's), in shape order, each with its
 * type, whether it is required and its default, read from the shape's JSON Schema (input side).
 *
 * ## Example
 * ```ts
 * describeFields({ threshold: z.number().default(0.5), field: z.string() });
 * // [{ name: 'threshold', type: 'number', required: false, default: 0.5 }, { name: 'field', type: 'string', required: true }]
 * ```
 */
export function describeFields(shape: z.ZodRawShape): FieldInfo[] {
  const schema = z.toJSONSchema(z.object(shape), { io: 'input', unrepresentable: 'any' }) as SchemaNode;
  const required = new Set(schema.required ?? []);
  return Object.keys(shape).map((name) => {
    const node = schema.properties?.[name] ?? {};
    const fallback = node.default;
    const hasDefault = fallback !== undefined && JSON.stringify(fallback) !== undefined;
    return { name, type: typeOf(node), required: required.has(name), ...(hasDefault ? { default: fallback } : {}) };
  });
}
