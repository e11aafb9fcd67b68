import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { indexEntries, normalizeContextPath, resolveInContext } from '../../src/builder/context-paths.js';
import { snapshotContext } from '../../src/builder/context.js';

let dir: string;
let ctx: string;
let cacheDir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tsbuild-ctx-'));
  ctx = path.join(dir, 'ctx');
  cacheDir = path.join(dir, 'store', 'cache', 'context');
  mkdirSync(path.join(ctx, 'src', 'deep'), { recursive: true });
  mkdirSync(path.join(ctx, 'node_modules', 'x'), { recursive: true });
  writeFileSync(path.join(ctx, 'a.txt'), 'hello');
  writeFileSync(path.join(ctx, 'src', 'deep', 'b.txt'), 'bee', { mode: 0o755 });
  writeFileSync(path.join(ctx, 'node_modules', 'x', 'i.js'), '1');
  writeFileSync(path.join(ctx, 'node_modules', 'keep.js'), '2');
  symlinkSync('a.txt', path.join(ctx, 'link'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('context snapshot', () => {
  it('lists files, folders and links with modes and content sha256', async () => {
    const { snapshot } = await snapshotContext(ctx);
    const byPath = indexEntries(snapshot);
    expect(byPath.get('a.txt')).toMatchObject({ type: 'file', size: 5, sha256: 'sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824' });
    expect(byPath.get('src/deep/b.txt')?.mode).toBe(0o755);
    expect(byPath.get('link')).toMatchObject({ type: 'symlink', linkTarget: 'a.txt' });
    expect(byPath.get('src')?.type).toBe('dir');
    expect(snapshot.entries.map((e) => e.path)).toEqual([...snapshot.entries.map((e) => e.path)].sort());
  });

  it('applies the ignore matcher, keeping folders that hold re-included files', async () => {
    const ignore = (p: string) => (p === 'node_modules' || p.startsWith('node_modules/')) && p !== 'node_modules/keep.js';
    const { snapshot } = await snapshotContext(ctx, { ignore });
    const paths = snapshot.entries.map((e) => e.path);
    expect(paths).toContain('node_modules/keep.js');
    expect(paths).toContain('node_modules');
    expect(paths).not.toContain('node_modules/x/i.js');
    expect(paths).not.toContain('node_modules/x');
  });

  it('reuses cached hashes but sees a one-byte change that keeps size and mtime', async () => {
    const first = await snapshotContext(ctx, { cacheDir });
    expect(first.stats.hashed).toBe(first.stats.files);
    const second = await snapshotContext(ctx, { cacheDir });
    expect(second.stats.reused).toBe(second.stats.files);
    expect(second.snapshot).toEqual(first.snapshot);

    const f = path.join(ctx, 'a.txt');
    const before = statSync(f);
    const ref = path.join(dir, 'ref');
    writeFileSync(ref, '');
    execFileSync('touch', ['-r', f, ref]);
    writeFileSync(f, 'hellO');
    execFileSync('touch', ['-r', ref, f]);
    expect(statSync(f).mtimeMs).toBe(before.mtimeMs);
    const third = await snapshotContext(ctx, { cacheDir });
    expect(third.stats.hashed).toBe(1);
    expect(indexEntries(third.snapshot).get('a.txt')?.sha256).not.toBe(indexEntries(first.snapshot).get('a.txt')?.sha256);
  });
});

describe('context paths', () => {
  it('normalises and refuses .. that leaves the context', () => {
    expect(normalizeContextPath('./a/../b/')).toBe('b');
    expect(normalizeContextPath('/x/y')).toBe('x/y');
    expect(normalizeContextPath('.')).toBe('');
    expect(() => normalizeContextPath('../etc/passwd')).toThrow(/outside the build context/);
    expect(() => normalizeContextPath('a/../../b')).toThrow(/outside the build context/);
  });

  it('follows links inside the context and refuses links that point out', async () => {
    symlinkSync('../../a.txt', path.join(ctx, 'src', 'deep', 'up'));
    symlinkSync('../../..', path.join(ctx, 'src', 'out'));
    symlinkSync('/etc', path.join(ctx, 'abs'));
    const { snapshot } = await snapshotContext(ctx);
    const idx = indexEntries(snapshot);
    expect(resolveInContext(idx, 'link')).toBe('a.txt');
    expect(resolveInContext(idx, 'src/deep/up')).toBe('a.txt');
    expect(resolveInContext(idx, 'link', false)).toBe('link');
    expect(() => resolveInContext(idx, 'src/out/x')).toThrow(/points outside the build context/);
    expect(() => resolveInContext(idx, 'abs/passwd')).toThrow(/points outside/);
  });
});
