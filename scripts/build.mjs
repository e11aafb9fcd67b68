// Bundles the CLI with esbuild into dist/:
//  - tsbuild.js: the launcher (src/cli/launcher.ts), a few lines that pick
//    one of the two builds below from the command name;
//  - cli.js + chunks/: every command, code-split so that a command loads
//    only its own code; ink and react stay external (loaded from
//    node_modules only when a TTY progress display is shown);
//  - run.cjs: `tsbuild run` alone in one CommonJS file (registry-run.ts in
//    place of registry.ts; packages stay in node_modules and load only when
//    used; taken where node can require() ES modules, 20.19 on), plus run.cjs.v8cache, its V8 code cache: start-up time is the
//    run path's budget, and one file compiled from a cache is the cheapest
//    way in (see src/cli/code-cache.ts).
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
const requireBanner = "import { createRequire as __tsbuildCreateRequire } from 'node:module'; const require = __tsbuildCreateRequire(import.meta.url);";
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: 'linked', logLevel: 'warning', absWorkingDir: root };

await rm(dist, { recursive: true, force: true });

await build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  splitting: true,
  format: 'esm',
  external: ['ink', 'react', 'react/jsx-runtime'],
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: requireBanner },
});

await build({
  ...common,
  entryPoints: { tsbuild: 'src/cli/launcher.ts' },
  outdir: 'dist',
  format: 'esm',
  sourcemap: false,
});

/** the run bundle: main.ts with only `run` in its registry */
const runOnlyRegistry = {
  name: 'run-only-registry',
  setup(b) {
    b.onResolve({ filter: /^\.\/registry\.js$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'cli', 'main.ts')) ? { path: path.join(root, 'src/cli/registry-run.ts') } : undefined,
    );
  },
};
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/run.cjs',
  format: 'cjs',
  // packages are required from node_modules, and only when used (execa, ESM-only,
  // through require(esm): the launcher takes this bundle only where node has it);
  // import() is turned into require() too: it does not work in code compiled
  // through vm.Script
  packages: 'external',
  supported: { 'dynamic-import': false },
  // smaller text to read and to compile lazily; names kept for stack traces
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [runOnlyRegistry],
  define: { 'import.meta.url': '__tsbuildImportMetaUrl' },
  banner: { js: "const __tsbuildImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// the code cache, made by this node (the one `npm ci`/`npm run build` ran with)
const writer = path.join(dist, 'code-cache-writer.mjs');
await build({ ...common, entryPoints: ['src/cli/code-cache.ts'], outfile: writer, format: 'esm', sourcemap: false });
try {
  const { writeCodeCache } = await import(pathToFileURL(writer).href);
  writeCodeCache(path.join(dist, 'run.cjs'));
} finally {
  await rm(writer, { force: true });
}
