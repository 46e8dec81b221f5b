import { type JsonObject, isObject } from '../../lib/blocks/utilities/tool-call-grounding.ts';

/** The value at a reference like `$1.order.items.0` among the results by call id; throws when the path is not there. */
function lookup(results: ReadonlyMap<string, unknown>, reference: string): unknown {
  const [id, ...path] = reference.split('.');
  if (!results.has(id!)) throw new Error(`no result for \`${id}\``);
  return path.reduce<unknown>((value, key) => {
    if (Array.isArray(value) && /^\d+$/.test(key)) {
      if (Number(key) >= value.length) throw new Error(`\`${reference}\`: no item ${key}`);
      return value[Number(key)];
    }
    if (isObject(value) && Object.hasOwn(value, key)) return value[key];
    throw new Error(`\`${reference}\`: the result has no \`${key}\``);
  }, results.get(id!));
}

/**
 * DGT's execute-stage substitution: every text (key or value) of the arguments that starts with an earlier call's
 * id (`$1.order_id`) is replaced by that output value of the call's result. When some earlier result is not an
 * object, DGT leaves the arguments as they are. Gives the new arguments, or the reason a reference cannot be had.
 *
 * ## Example
 * ```ts
 * substituteReferences({ user_id: '$1.id' }, new Map([['$1', { id: 42 }]])); // { arguments: { user_id: 42 } }
 * substituteReferences({ user_id: '$1.uid' }, new Map([['$1', { id: 42 }]])); // { problem: '`$1.uid`: the result has no `uid`' }
 * ```
 */
export function substituteReferences(args: JsonObject, results: ReadonlyMap<string, unknown>): { readonly arguments: JsonObject } | { readonly problem: string } {
  const ids = [...results.keys()];
  const isReference = (value: unknown): value is string => typeof value === 'string' && ids.some((id) => value.startsWith(id));
  const found: string[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (isObject(value)) Object.entries(value).forEach(([key, inner]) => (collect(key), collect(inner)));
    else if (isReference(value)) found.push(value);
  };
  collect(args);
  if (found.length === 0 || ![...results.values()].every(isObject)) return { arguments: args };
  try {
    const mapping = new Map(found.map((reference) => [reference, lookup(results, reference)]));
    const substitute = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(substitute);
      if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([key, inner]) => [String(substitute(key)), substitute(inner)]));
      return isReference(value) ? mapping.get(value) : value;
    };
    return { arguments: substitute(args) as JsonObject };
  } catch (error) {
    return { problem: (error as Error).message };
  }
}
