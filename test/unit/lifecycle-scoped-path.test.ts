// resolveInRoot keeps every path inside the container root (cp symlink escape, CVE-2019-14271 class)
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTree, resolveInRoot } from '../../src/runtime/lifecycle/scoped-path.js';

describe('resolveInRoot: container symlinks are followed with the container root as /', () => {
  let base: string;
  let root: string;
  beforeAll(() => {
    base = mkdtempSync(path.join(tmpdir(), 'lc-scope-'));
    root = path.join(base, 'root');
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    symlinkSync('/etc', path.join(root, 'abs'));
    symlinkSync('../../../../../../../../etc', path.join(root, 'a', 'rel'));
    symlinkSync('/', path.join(root, 'top'));
    symlinkSync('loop2', path.join(root, 'loop1'));
    symlinkSync('loop1', path.join(root, 'loop2'));
    symlinkSync(base, path.join(root, 'hostabs'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('absolute and relative links stay inside', () => {
    expect(resolveInRoot(root, '/abs/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/a/rel/passwd')).toBe(path.join(root, 'etc/passwd'));
    expect(resolveInRoot(root, '/top/top/abs')).toBe(path.join(root, 'etc'));
    expect(resolveInRoot(root, '/../../../etc')).toBe(path.join(root, 'etc'));
    expect(resolveInRoot(root, '/a/b/../../..')).toBe(root);
    // a link naming a host path names that path inside the root
    expect(resolveInRoot(root, '/hostabs/x')).toBe(path.join(root, base, 'x'));
  });
  it('keepLast leaves a final link as it is; loops are an error', () => {
    expect(resolveInRoot(root, '/abs', { keepLast: true })).toBe(path.join(root, 'abs'));
    expect(() => resolveInRoot(root, '/loop1')).toThrow(/too many levels/);
  });
  it('copyTree copies links as links and replaces a link in the way instead of writing through it', () => {
    const src = path.join(base, 'src');
    mkdirSync(src);
    writeFileSync(path.join(src, 'f'), 'new');
    symlinkSync('/etc/shadow', path.join(src, 'l'));
    const victim = path.join(base, 'victim');
    writeFileSync(victim, 'untouched');
    const dst = path.join(base, 'dst');
    mkdirSync(dst);
    symlinkSync(victim, path.join(dst, 'f'));
    copyTree(src, dst);
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(readFileSync(path.join(dst, 'f'), 'utf8')).toBe('new');
    expect(readlinkSync(path.join(dst, 'l'))).toBe('/etc/shadow');
  });
});
