// Loads a CommonJS bundle through vm.Script with a V8 code cache, so that
// its functions are deserialized instead of parsed and compiled. The cache
// (FILE.v8cache) is made by scripts/build.mjs; its first line names the node
// version and the bundle's size and mtime it was made for. A missing or
// stale cache, or one V8 rejects, only means a normal compile: V8 itself
// checks the version and flags, but not the source text, hence the stamp.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export function codeCacheFile(file: string): string {
  return `${file}.v8cache`;
}

/** the cache's first line: what it was made for */
export function codeCacheStamp(file: string): string {
  const st = statSync(file);
  return `tsbuild-code-cache ${process.version} ${process.arch} ${st.size} ${st.mtimeMs}\n`;
}

function compile(file: string, cachedData: Buffer | undefined): vm.Script {
  // CommonJS's own wrapper (Module.wrap)
  const text = readFileSync(file, 'utf8');
  const body = text.startsWith('#!') ? `//${text.slice(2)}` : text;
  const source = `(function (exports, require, module, __filename, __dirname) { ${body}\n});`;
  return new vm.Script(source, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    // a safety net: the run bundle has no import() (scripts/build.mjs), which
    // here would work only this way (with an experimental-feature warning)
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

function run(script: vm.Script, file: string): unknown {
  const module = { exports: {} as unknown };
  const fn = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  fn.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

/** require(FILE), compiled from FILE.v8cache when it fits */
export function requireWithCodeCache(file: string): unknown {
  let cache: Buffer | undefined;
  try {
    const data = readFileSync(codeCacheFile(file));
    const nl = data.indexOf(10);
    if (nl > 0 && data.subarray(0, nl + 1).toString('latin1') === codeCacheStamp(file)) cache = data.subarray(nl + 1);
  } catch {
    cache = undefined;
  }
  if (!cache) return createRequire(file)(file);
  return run(compile(file, cache), file);
}

/** Loads FILE (running its top level) and writes FILE.v8cache for requireWithCodeCache. */
export function writeCodeCache(file: string): void {
  const script = compile(file, undefined);
  run(script, file);
  writeFileSync(codeCacheFile(file), Buffer.concat([Buffer.from(codeCacheStamp(file), 'latin1'), script.createCachedData()]));
}
