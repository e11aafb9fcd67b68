// Bundles the CLI with esbuild. Code splitting keeps each command's code in
// its own chunk, so `tsbuild run` never parses the Boxfile parser, and ink and
// react stay external: they are loaded from node_modules only when a TTY
// progress display is actually shown.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';

await rm(new URL('../dist/', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { tsbuild: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  external: ['ink', 'react', 'react/jsx-runtime'],
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    js: "import { createRequire as __tsbuildCreateRequire } from 'node:module'; const require = __tsbuildCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
