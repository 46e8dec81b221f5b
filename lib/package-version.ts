import { readFileSync } from 'node:fs';
import { packagePath } from './package-path.ts';

/**
 * The version of the rxdgt package, from its package.json (from source or from `dist/`): `rxdgt --version`, the
 * `user-agent` of every request. Read once.
 *
 * ## Example
 * ```ts
 * packageVersion(); // '0.1.0'
 * ```
 */
export function packageVersion(): string {
  if (version === undefined) {
    const read = (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version?: unknown }).version;
    version = typeof read === 'string' ? read : 'unknown';
  }
  return version;
}

let version: string | undefined;
