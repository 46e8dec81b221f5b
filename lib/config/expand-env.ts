import { isPlainObject } from './plain-object.ts';

/** Environment as read from `process.env`: every value may be missing. */
export type Env = Readonly<Record<string, string | undefined>>;

/** DGT's path variables and the values it fills in when they are unset. */
export const dgtEnvDefaults: Readonly<Record<string, string>> = {
  DGT_DATA_DIR: 'data',
  DGT_OUTPUT_DIR: 'output',
  DGT_CACHE_DIR: '.cache',
};

/** Returns `env` with DGT's defaults for `DGT_DATA_DIR`, `DGT_OUTPUT_DIR` and `DGT_CACHE_DIR` filled in where unset. */
export function dgtEnv(env: Env = process.env): Record<string, string | undefined> {
  const filled: Record<string, string | undefined> = { ...env };
  for (const [name, value] of Object.entries(dgtEnvDefaults)) {
    filled[name] ??= value;
  }
  return filled;
}

// Same pattern as Python's posixpath.expandvars: `$name` (word characters) or `${anything but }}`.
const variablePattern = /\$(\w+|\{[^}]*\})/g;

/**
 * Expands `$VAR` and `${VAR}` in every string inside `value` (arrays and plain objects are walked; keys are left
 * alone). Like Python's `os.path.expandvars`, unknown variables stay as written. DGT's path defaults apply.
 */
export function expandEnv(value: unknown, env: Env): unknown {
  return expandValue(value, dgtEnv(env));
}

function expandValue(value: unknown, env: Env): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (Array.isArray(value)) return value.map((item) => expandValue(item, env));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandValue(item, env)]));
  }
  return value;
}

function expandString(text: string, env: Env): string {
  if (!text.includes('$')) return text;
  return text.replace(variablePattern, (written, name: string) => {
    const key = name.startsWith('{') ? name.slice(1, -1) : name;
    return env[key] ?? written;
  });
}
