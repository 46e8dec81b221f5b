import { createHash } from 'node:crypto';

/** JSON with sorted keys, no spaces and non-ASCII escaped: Python's `json.dumps(sort_keys=True, separators=(",", ":"))`. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${ascii(JSON.stringify(key))}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return ascii(JSON.stringify(value) ?? 'null');
}

function ascii(text: string): string {
  return text.replace(/[\u007f-\uffff]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The fingerprint of a tool's input schema, as DGT computes it: SHA-256 (hex) of the schema as canonical JSON. Two
 * tools with one name and one namespace are overloads when their fingerprints differ, duplicates when they match.
 *
 * ## Example
 * ```ts
 * schemaFingerprint({ type: 'object', properties: {} }) === schemaFingerprint({ properties: {}, type: 'object' }); // true
 * ```
 */
export function schemaFingerprint(schema: Readonly<Record<string, unknown>>): string {
  return createHash('sha256').update(canonical(schema)).digest('hex');
}
