import { type UserConfig, defineConfig } from 'tsdown';

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
  { ...common, entry: { index: 'lib/index.ts', testing: 'lib/testing/index.ts', notebook: 'lib/notebook/index.ts', cli: 'lib/cli/bin.ts' }, format: 'esm' },
  // CommonJS, for `require` and for tslab, which compiles notebook cells to CommonJS (`rxdgt/notebook` too): `import.meta.url` is shimmed, so
  // `createRequire` and the package's own files (builder YAMLs) resolve from this build too.
  { ...common, entry: { index: 'lib/index.ts', testing: 'lib/testing/index.ts', notebook: 'lib/notebook/index.ts' }, format: 'cjs', shims: true, outputOptions: { codeSplitting: { groups: [{ name: 'runtime', test: /rolldown[\\/]runtime/ }] } } },
]);
