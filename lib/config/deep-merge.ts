import { isPlainObject } from './plain-object.ts';

/**
 * Merges `override` into `base` the way DGT's `merge_dictionaries` does: nested mappings merge key by key, anything
 * else (lists included) is replaced. A `null` in `override` clears the key (DGT reads a `None` field as unset), so
 * `seed_examples: null` in a joint config drops a task file's inline seeds. Neither input is modified.
 *
 * ## Example
 * ```ts
 * deepMerge({ a: { x: 1, y: 2 }, seeds: [1] }, { a: { y: 3 }, seeds: null }); // { a: { x: 1, y: 3 } }
 * ```
 */
export function deepMerge(base: Readonly<Record<string, unknown>>, override: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    if (value === null) delete merged[key];
    else merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}
