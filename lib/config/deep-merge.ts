import { isPlainObject } from './plain-object.ts';

/**
 * Merges `override` into `base` the way DGT's `merge_dictionaries` does: nested mappings merge key by key, anything
 * else (lists included) is replaced. Neither input is modified.
 */
export function deepMerge(base: Readonly<Record<string, unknown>>, override: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return merged;
}
