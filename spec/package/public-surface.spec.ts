import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, test } from 'vitest';

/** Every `.ts` file under `dir`, as a repository-relative path. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The names an entry file exports through `export { ... }` and `export type { ... }` lists. */
function exportedNames(entry: string): Set<string> {
  const names = new Set<string>();
  for (const [, list] of readFileSync(entry, 'utf8').matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g)) {
    for (const item of list!.split(',')) {
      const name = item.trim().replace(/^type\s+/, '').split(/\s+as\s+/).at(-1)?.trim();
      if (name) names.add(name);
    }
  }
  return names;
}

/** Modules reachable through relative imports from the entry points. */
function reachableFrom(entries: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const [, target] of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)) {
      pending.push(normalize(join(dirname(file), target!)));
    }
  }
  return seen;
}

const packageEntries = { rxdgt: 'lib/index.ts', 'rxdgt/testing': 'lib/testing/index.ts' } as const;

describe('the public surface', () => {
  test('doc examples import from the package only names it exports', () => {
    const exported = { rxdgt: exportedNames(packageEntries.rxdgt), 'rxdgt/testing': exportedNames(packageEntries['rxdgt/testing']) };
    const missing = ['lib', 'operators', 'builders'].flatMap(sourceFiles).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/import\s+\{([^}]*)\}\s+from\s+'(rxdgt(?:\/testing)?)'/g)].flatMap(([, list, from]) =>
        list!
          .split(',')
          .map((item) => item.trim().replace(/^type\s+/, ''))
          .filter((name) => name !== '' && !exported[from as keyof typeof exported].has(name))
          .map((name) => `${file}: ${name} from '${from}'`),
      ),
    );
    expect(missing).toEqual([]);
  });

  test('every config loader module is used: no second barrel beside lib/index.ts', () => {
    const reachable = reachableFrom([packageEntries.rxdgt, packageEntries['rxdgt/testing'], 'lib/cli/bin.ts']);
    expect(sourceFiles('lib/config').filter((file) => !reachable.has(file))).toEqual([]);
  });
});
