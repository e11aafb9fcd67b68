import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheFile, codeCacheStamp, requireWithCodeCache, writeCodeCache } from '../../src/cli/code-cache.js';

describe('V8 code cache for the run bundle', () => {
  let tmp: string;
  let n = 0;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tsbuild-code-cache-'));
  });
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  /** a fresh CommonJS file each time (require caches by path) */
  function bundle(body: string, mtime = 1_700_000_000): string {
    const file = path.join(tmp, `b${n++}.cjs`);
    writeFileSync(file, body);
    utimesSync(file, mtime, mtime);
    return file;
  }

  it('writes a cache stamped with node version, size and mtime, and loads through it', () => {
    const file = bundle("#!/usr/bin/env node\nconst path = require('node:path');\nmodule.exports = { v: 'A', base: path.basename(__filename), dir: __dirname };\n");
    writeCodeCache(file);
    const data = readFileSync(codeCacheFile(file));
    const stamp = codeCacheStamp(file);
    expect(stamp).toMatch(new RegExp(`^tsbuild-code-cache ${process.version} ${process.arch} \\d+ \\d+`));
    expect(data.subarray(0, stamp.length).toString('latin1')).toBe(stamp);
    expect(data.length).toBeGreaterThan(stamp.length + 16);
    expect(requireWithCodeCache(file)).toEqual({ v: 'A', base: path.basename(file), dir: tmp });
  });

  it('a cache whose stamp fits is what runs (V8 checks only the length of the text: the stamp keeps a stale cache out)', () => {
    const file = bundle("module.exports = { v: 'A' };\n");
    writeCodeCache(file);
    // same length, same mtime: the stamp cannot tell, V8 runs the cached code
    writeFileSync(file, "module.exports = { v: 'B' };\n");
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect((requireWithCodeCache(file) as { v: string }).v).toBe('A');
  });

  it('a stale cache (the file changed) is ignored: the file itself runs', () => {
    const file = bundle("module.exports = { v: 'A' };\n");
    writeCodeCache(file);
    writeFileSync(file, "module.exports = { v: 'B' };\n");
    utimesSync(file, 1_700_000_001, 1_700_000_001);
    expect((requireWithCodeCache(file) as { v: string }).v).toBe('B');
  });

  it('a missing cache, or one V8 rejects, only means a normal compile', () => {
    const plain = bundle("module.exports = { v: 'plain' };\n");
    expect((requireWithCodeCache(plain) as { v: string }).v).toBe('plain');
    const file = bundle("module.exports = { v: 'C' };\n");
    writeFileSync(codeCacheFile(file), Buffer.concat([Buffer.from(codeCacheStamp(file), 'latin1'), Buffer.from('not a V8 code cache at all')]));
    expect((requireWithCodeCache(file) as { v: string }).v).toBe('C');
  });

  it('import() inside a cached bundle works (its external packages)', async () => {
    const file = bundle("module.exports = { load: () => import('node:path').then((m) => typeof m.join) };\n");
    writeCodeCache(file);
    await expect((requireWithCodeCache(file) as { load(): Promise<string> }).load()).resolves.toBe('function');
  });
});
