// Bundles the CLI with esbuild into dist/:
//  - tsbuild.js: the launcher (src/cli/launcher.ts), a few lines that pick
//    one of the builds below from the command name; CommonJS (dist/package.json
//    says so), because node's ES module loader alone costs a command some
//    20 ms to start;
//  - cli.mjs + chunks/: every command, code-split so that a command loads
//    only its own code; ink and react stay external (loaded from
//    node_modules only when a TTY progress display is shown): what a build
//    that shows that display loads, and every command on node < 20.19;
//  - run.cjs: `tsbuild run` alone in one CommonJS file (registry-run.ts in
//    place of registry.ts; packages stay in node_modules and load only when
//    used; taken where node can require() ES modules, 20.19 on), plus run.cjs.v8cache, its V8 code cache: start-up time is the
//    run path's budget, and one file compiled from a cache is the cheapest
//    way in (see src/cli/code-cache.ts);
//  - build.cjs (+ build.cjs.v8cache): the same for a build (registry-build.ts),
//    without the TTY display (the launcher sends builds that show it to cli.mjs);
//    execa and fast-glob, needed on a cache miss only, in vendor/ (one
//    CommonJS file each);
//  - cli.cjs (+ cli.cjs.v8cache): every command, the same way (each
//    command's code runs only when it is asked for): what every other
//    command loads.
import { build } from 'esbuild';
import { rm, writeFile } from 'node:fs/promises';
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
  outExtension: { '.js': '.mjs' },
  splitting: true,
  format: 'esm',
  external: ['ink', 'react', 'react/jsx-runtime'],
  chunkNames: 'chunks/[name]-[hash]',
  banner: { js: requireBanner },
});

// dist/*.js are CommonJS (the package's "type" is module)
await writeFile(path.join(dist, 'package.json'), '{ "type": "commonjs" }\n');
await build({
  ...common,
  entryPoints: { tsbuild: 'src/cli/launcher.ts' },
  outdir: 'dist',
  format: 'cjs',
  sourcemap: false,
  define: { 'import.meta.url': '__tsbuildImportMetaUrl' },
  banner: { js: "const __tsbuildImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

/**
 * A one-command bundle: main.ts with REGISTRY in place of registry.ts, in one
 * CommonJS file. Packages are required from node_modules (unless a plugin
 * says otherwise), and only when used
 * (execa, ESM-only, through require(esm): the launcher takes these bundles only
 * where node has it); import() is turned into require() too: it does not work
 * in code compiled through vm.Script (the lazily loaded modules stay lazy: only
 * their code is in the file, run when first asked for).
 */
async function oneCommandBundle(outfile, registry, plugins = []) {
  const swapRegistry = {
    name: 'one-command-registry',
    setup(b) {
      b.onResolve({ filter: /^\.\/registry\.js$/ }, (args) =>
        args.importer.endsWith(path.join('src', 'cli', 'main.ts')) ? { path: path.join(root, registry) } : undefined,
      );
    },
  };
  await build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile,
    format: 'cjs',
    packages: 'external',
    supported: { 'dynamic-import': false },
    // smaller text to read and to compile lazily; names kept for stack traces
    minifyWhitespace: true,
    minifySyntax: true,
    plugins: [swapRegistry, ...plugins],
    define: { 'import.meta.url': '__tsbuildImportMetaUrl' },
    banner: { js: "const __tsbuildImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
}

/** the build bundle has no TTY display: ink cannot be require()d, and the launcher sends builds that show it to cli.mjs */
const noTtyDisplay = {
  name: 'no-tty-display',
  setup(b) {
    b.onResolve({ filter: /\/ui\/tty\.js$/ }, () => ({ path: 'tty', namespace: 'no-tty-display' }));
    b.onLoad({ filter: /.*/, namespace: 'no-tty-display' }, () => ({
      contents: "export function createTtyRenderer() { throw new Error('the TTY display is not in dist/build.cjs: the launcher should have loaded dist/cli.mjs'); }",
      loader: 'js',
    }));
  },
};

await oneCommandBundle('dist/run.cjs', 'src/cli/registry-run.ts');
// execa and fast-glob, which a cache miss (RUN, COPY) needs, each in a file of
// its own (dist/vendor/): from node_modules, require(esm) of execa opens some
// 180 files, and in build.cjs they would be read and compiled at every start;
// chevrotain only parses a changed Boxfile, tar and xxhash-wasm are few files
const vendored = ['execa', 'fast-glob'];
for (const name of vendored) {
  await build({ ...common, stdin: { contents: `module.exports = require(${JSON.stringify(name)});`, resolveDir: root, loader: 'js' }, outfile: `dist/vendor/${name}.cjs`, format: 'cjs', sourcemap: false, minifyWhitespace: true });
}
const vendor = {
  name: 'vendor',
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${vendored.join('|')})$`) }, (args) => ({ path: `./vendor/${args.path}.cjs`, external: true }));
  },
};
await oneCommandBundle('dist/build.cjs', 'src/cli/registry-build.ts', [noTtyDisplay, vendor]);
// every other command (all but a build that shows the TTY display) in one CommonJS file too
await oneCommandBundle('dist/cli.cjs', 'src/cli/registry.ts', [noTtyDisplay, vendor]);

// the code caches, made by this node (the one `npm ci`/`npm run build` ran with)
const writer = path.join(dist, 'code-cache-writer.mjs');
await build({ ...common, entryPoints: ['src/cli/code-cache.ts'], outfile: writer, format: 'esm', sourcemap: false });
try {
  const { writeCodeCache } = await import(pathToFileURL(writer).href);
  writeCodeCache(path.join(dist, 'run.cjs'));
  writeCodeCache(path.join(dist, 'build.cjs'));
  writeCodeCache(path.join(dist, 'cli.cjs'));
} finally {
  await rm(writer, { force: true });
}
