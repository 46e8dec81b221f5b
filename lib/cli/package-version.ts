import { readFileSync } from 'node:fs';
import { packagePath } from '../package-path.ts';

/**
 * The version of the rxdgt package, from its package.json (from source or from `dist/`), for `rxdgt --version`.
 *
 * ## Example
 * ```ts
 * packageVersion(); // '0.1.0'
 * ```
 */
export function packageVersion(): string {
  const { version } = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version?: unknown };
  return typeof version === 'string' ? version : 'unknown';
}
