#!/usr/bin/env node
// The entry point of the bundle (dist/tsbuild.js). Commands load a single
// CommonJS file compiled from a V8 code cache (code-cache.ts): `tsbuild run`
// its own (dist/run.cjs), a build its own (dist/build.cjs: `build` or the
// verb-less `tsbuild -f Boxfile .`), and every other command the bundle of
// all commands (dist/cli.cjs). A build that shows the TTY display, whose ink
// and react are ES modules with top-level await that require() cannot load,
// and every command on a node older than 20.19 (the one-file bundles
// require() ESM-only packages such as execa), load the code-split build
// (dist/cli.mjs). The launcher itself is CommonJS: node's ES module loader
// would add some 20 ms to every command. See scripts/build.mjs.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';
import { pickBundle } from './registry-bundle.js';

interface Entry {
  cli(argv: string[]): Promise<void>;
}

// bin/tsbuild kept NODE_EXTRA_CA_CERTS from node's start-up (src/net/extra-ca.ts
// loads it when TLS needs it); what tsbuild hands on (-e NAME, tools) sees it again
if (process.env.TSBUILD_EXTRA_CA_CERTS && !process.env.NODE_EXTRA_CA_CERTS) process.env.NODE_EXTRA_CA_CERTS = process.env.TSBUILD_EXTRA_CA_CERTS;
const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const requireModule = (process.features as { require_module?: boolean }).require_module === true;
// node:tty (which loads node:net) only when the terminal decides
const stderrIsTTY = () => (createRequire(import.meta.url)('node:tty') as typeof import('node:tty')).isatty(2);
const bundle = pickBundle(argv, requireModule, stderrIsTTY, process.env);
if (bundle !== undefined) {
  // once the command is done (its cleanup included), exit at once: a natural
  // exit would tear the whole heap down first, which takes longer than many
  // a container ran (stdout and stderr are synchronous on Linux: nothing is lost)
  void (requireWithCodeCache(path.join(here, bundle)) as Entry).cli(argv).then(() => process.exit());
} else {
  const full = './cli.mjs';
  void (import(full) as Promise<Entry>).then((m) => m.cli(argv));
}
