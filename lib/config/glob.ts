import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';

/** True when `pattern` uses glob syntax (`*`, `?` or `[`), as DGT's `_is_glob_path` checks. */
export function hasGlobMagic(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}

/**
 * Files matching `pattern` (relative patterns resolve against `baseDir`), sorted by path. Supports `*`, `?`, `[…]`
 * within a path segment and `**` for any number of directories. As in Python's glob, wildcards skip names starting
 * with `.`. Symlinked directories are not followed.
 */
export async function globFiles(pattern: string, baseDir: string): Promise<string[]> {
  if (!hasGlobMagic(pattern)) {
    const path = toSlashes(resolve(baseDir, pattern));
    return (await isFile(path)) ? [path] : [];
  }
  const segments = toSlashes(pattern).split('/');
  const firstMagic = segments.findIndex(hasGlobMagic);
  const root = resolve(baseDir, segments.slice(0, firstMagic).join('/') || (isAbsolute(pattern) ? '/' : '.'));
  const rest = segments.slice(firstMagic);
  if (rest.at(-1) === '**') rest.push('*');
  const matcher = new RegExp(`^${rest.map(segmentToRegex).join('')}$`);
  const maxDepth = rest.includes('**') ? Number.POSITIVE_INFINITY : rest.length;
  const found: string[] = [];
  await walk(root, '', maxDepth, async (relative, absolutePath) => {
    if (matcher.test(relative)) found.push(absolutePath);
  });
  return found.sort();
}

async function walk(dir: string, prefix: string, depthLeft: number, visit: (relative: string, path: string) => Promise<void>): Promise<void> {
  if (depthLeft <= 0) return;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return; // a missing or unreadable directory matches nothing, like Python's glob
  }
  for (const entry of entries) {
    const path = toSlashes(join(dir, entry.name));
    const relative = prefix + entry.name;
    if (entry.isDirectory()) await walk(path, `${relative}/`, depthLeft - 1, visit);
    else if (entry.isFile() || (entry.isSymbolicLink() && (await isFile(path)))) await visit(relative, path);
  }
}

function segmentToRegex(segment: string, index: number, all: readonly string[]): string {
  const separator = index < all.length - 1 ? '/' : '';
  if (segment === '**') return '(?:(?!\\.)[^/]+/)*';
  const hidden = segment.startsWith('.') ? '' : '(?!\\.)';
  let source = '';
  for (let position = 0; position < segment.length; position += 1) {
    const char = segment[position]!;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[' && segment.indexOf(']', position + 2) !== -1) {
      const end = segment.indexOf(']', position + 2);
      const body = segment.slice(position + 1, end);
      source += `[${body.startsWith('!') ? `^${escapeClass(body.slice(1))}` : escapeClass(body)}]`;
      position = end;
    } else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return hidden + source + separator;
}

function escapeClass(body: string): string {
  return body.replace(/[\\\]^]/g, '\\$&');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
