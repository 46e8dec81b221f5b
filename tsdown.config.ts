import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'rolldown';
import { type UserConfig, defineConfig } from 'tsdown';

/**
 * Node resolves `rxjs` to its CommonJS index, which loads all 223 of its files (about 60 ms, a sixth of the CLI's
 * start-up) where rxdgt uses some 35 names. This rewrites each `import { ... } from "rxjs"` of the ESM output into
 * imports from the files that define the names (`rxjs/internal/operators/map`, in rxjs's own export map): the same
 * module instances the index hands out, so a user's `Observable` and ours stay one class. The map of names to files is
 * read from rxjs's ESM index; a name it does not list fails the build.
 */
function rxjsDefiningFiles(): Plugin {
  const index = join(dirname(createRequire(import.meta.url).resolve('rxjs/package.json')), 'dist', 'esm', 'index.js');
  const fileOf = new Map<string, string>();
  for (const [, names, file] of readFileSync(index, 'utf8').matchAll(/^export \{ ([^}]+) \} from '\.\/(internal\/[^']+)';$/gm)) {
    for (const name of names!.split(', ')) fileOf.set(name, `rxjs/${file}`);
  }
  return {
    name: 'rxjs-defining-files',
    renderChunk(code, chunk) {
      // Declaration chunks name rxjs's types, which its index declares; they stay as they are.
      if (chunk.fileName.endsWith('.d.mts')) return null;
      const rewritten = code.replace(/^import \{ ([^}]+) \} from "rxjs";$/gm, (_, specifiers: string) =>
        specifiers
          .split(', ')
          .map((specifier) => {
            const name = specifier.split(' as ')[0]!;
            const file = fileOf.get(name);
            if (file === undefined) throw new Error(`rxjs-defining-files: rxjs's index does not export ${name}`);
            return `import { ${specifier} } from "${file}";`;
          })
          // One line, as the import it replaces, so the source map's lines stay true.
          .join(' '),
      );
      // An import or re-export statement left (doc comments quote `from 'rxjs'` in their examples: not those).
      if (/^\s*(?:import|export)\b[^;\n]*\bfrom\s*["']rxjs["']/m.test(rewritten)) throw new Error('rxjs-defining-files: an import of rxjs this plugin does not read is left');
      return rewritten === code ? null : { code: rewritten, map: null };
    },
  };
}

const common = {
  dts: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  // Loaded only for a user's TypeScript builder module, from the user's own install.
  external: [/^tsx(\/|$)/],
} satisfies UserConfig;

export default defineConfig([
  // ESM: the library and the command (which awaits at top level), sharing their chunks.
  { ...common, entry: { index: 'lib/index.ts', testing: 'lib/testing/index.ts', notebook: 'lib/notebook/index.ts', cli: 'lib/cli/bin.ts' }, format: 'esm', plugins: [rxjsDefiningFiles()] },
  // CommonJS, for `require` and for tslab, which compiles notebook cells to CommonJS (`rxdgt/notebook` too): `import.meta.url` is shimmed, so
  // `createRequire` and the package's own files (builder YAMLs) resolve from this build too.
  { ...common, entry: { index: 'lib/index.ts', testing: 'lib/testing/index.ts', notebook: 'lib/notebook/index.ts' }, format: 'cjs', shims: true, outputOptions: { codeSplitting: { groups: [{ name: 'runtime', test: /rolldown[\\/]runtime/ }] } } },
]);
