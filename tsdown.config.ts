import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { index: 'lib/index.ts', testing: 'lib/testing/index.ts', cli: 'lib/cli/bin.ts' },
  format: 'esm',
  dts: true,
  sourcemap: true,
  platform: 'node',
  target: 'node20',
  clean: true,
  // Loaded only for a user's TypeScript builder module, from the user's own install.
  external: [/^tsx(\/|$)/],
});
