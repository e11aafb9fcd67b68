#!/usr/bin/env node
// The entry point of the bundle (dist/tsbuild.js). `tsbuild run`, the one
// command whose start-up time is felt on every container, loads a single
// CommonJS file that holds only the run path (dist/run.cjs, with a V8 code
// cache: code-cache.ts); every other command, and `run` on a node older than
// 20.19, loads the code-split build (dist/cli.js). See scripts/build.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireWithCodeCache } from './code-cache.js';
import { splitGlobal } from './global-args.js';

interface Entry {
  cli(argv: string[]): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
// the run bundle requires its ESM-only packages (execa): node 20.19 on
if (splitGlobal(argv).rest[0] === 'run' && (process.features as { require_module?: boolean }).require_module === true) {
  // once the command is done (its cleanup included), exit at once: a natural
  // exit would tear the whole heap down first, which takes longer than many
  // a container ran (stdout and stderr are synchronous on Linux: nothing is lost)
  void (requireWithCodeCache(path.join(here, 'run.cjs')) as Entry).cli(argv).then(() => process.exit());
} else {
  const full = './cli.js';
  void (import(full) as Promise<Entry>).then((m) => m.cli(argv));
}
