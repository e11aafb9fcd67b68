import { describe, expect, it } from 'vitest';
import { placeItems, selectSources, selectionDigestInput, type TreeEntry } from '../../src/builder/copy-select.js';
import { compileGlob, hasGlob } from '../../src/builder/glob.js';
import { resolveChown } from '../../src/builder/steps/chown.js';

const f = (path: string, sha = path): TreeEntry => ({ path, type: 'file', mode: 0o644, size: 1, sha256: `sha256:${sha}` });
const d = (path: string): TreeEntry => ({ path, type: 'dir', mode: 0o755, size: 0 });
const tree = new Map<string, TreeEntry>(
  [d('src'), f('src/a.go'), f('src/b.go'), d('src/sub'), f('src/sub/c.go'), f('README.md'), f('x.txt'), { path: 'lnk', type: 'symlink', mode: 0o777, size: 0, linkTarget: 'src' } as TreeEntry].map((e) => [e.path, e]),
);
const root = d('');

describe('source globs', () => {
  it('matches per segment like filepath.Match, ** across folders', () => {
    expect(hasGlob('src/*.go')).toBe(true);
    expect(hasGlob('src/a.go')).toBe(false);
    const m = compileGlob('src/*.go');
    expect(['src/a.go', 'src/sub/c.go', 'src/a.gox'].map(m)).toEqual([true, false, false]);
    expect(compileGlob('src/**/*.go')('src/sub/c.go')).toBe(true);
    expect(compileGlob('[a-c].txt')('b.txt')).toBe(true);
    expect(compileGlob('[^a-c].txt')('b.txt')).toBe(false);
    expect(compileGlob('?.txt')('x.txt')).toBe(true);
  });
});

describe('COPY source selection and placement', () => {
  it('a folder source copies its contents; a file goes under a folder destination', () => {
    const m = selectSources(tree, ['src', 'README.md'], root);
    const placed = placeItems(m, { dest: '/app', destIsDir: true }, () => false).map((p) => p.to);
    expect(placed).toEqual(['/app', '/app/a.go', '/app/b.go', '/app/sub', '/app/sub/c.go', '/app/README.md']);
  });

  it('a single file to a path without a trailing slash is renamed, unless that path is a folder below', () => {
    const m = selectSources(tree, ['x.txt'], root);
    expect(placeItems(m, { dest: '/y.txt', destIsDir: false }, () => false).map((p) => p.to)).toEqual(['/y.txt']);
    expect(placeItems(m, { dest: '/etc', destIsDir: false }, (p) => p === '/etc').map((p) => p.to)).toEqual(['/etc/x.txt']);
  });

  it('globs select each match; a folder match copies its contents', () => {
    const m = selectSources(tree, ['src/*.go'], root);
    expect(m.map((x) => x.root)).toEqual(['src/a.go', 'src/b.go']);
    expect(() => selectSources(tree, ['*.rs'], root)).toThrow(/matches nothing/);
  });

  it('follows a symlinked source inside the tree; refuses missing sources', () => {
    const m = selectSources(tree, ['lnk'], root);
    expect(m[0]?.root).toBe('src');
    expect(() => selectSources(tree, ['nope'], root)).toThrow(/nope: not found/);
  });

  it('--exclude drops matching files; --parents keeps the source path', () => {
    const m = selectSources(tree, ['src'], root, { excludes: ['**/c.go'] });
    expect(m[0]?.items.map((i) => i.rel)).toEqual(['', 'a.go', 'b.go', 'sub']);
    const p = selectSources(tree, ['src/sub/c.go'], root, { parents: true });
    expect(placeItems(p, { dest: '/out', destIsDir: true }, () => false).map((x) => x.to)).toEqual(['/out/src/sub/c.go']);
    const pivot = selectSources(tree, ['src/./sub/c.go'], root, { parents: true });
    expect(placeItems(pivot, { dest: '/out', destIsDir: true }, () => false).map((x) => x.to)).toEqual(['/out/sub/c.go']);
  });

  it('the key input has content, mode and owner of each file, and changes with any of them', () => {
    const a = JSON.stringify(selectionDigestInput(selectSources(tree, ['src'], root)));
    const t2 = new Map(tree);
    t2.set('src/b.go', { ...f('src/b.go'), mode: 0o755 });
    const b = JSON.stringify(selectionDigestInput(selectSources(t2, ['src'], root)));
    t2.set('src/b.go', { ...f('src/b.go', 'other') });
    const c = JSON.stringify(selectionDigestInput(selectSources(t2, ['src'], root)));
    t2.set('src/b.go', { ...f('src/b.go'), uid: 5 });
    const e = JSON.stringify(selectionDigestInput(selectSources(t2, ['src'], root)));
    expect(new Set([a, b, c, e]).size).toBe(4);
  });
});

describe('--chown', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
  const group = 'root:x:0:\nwheel:x:10:app\n';
  it('resolves names in the stage files; a lone user uses its uid as gid', () => {
    expect(resolveChown('app:wheel', passwd, group)).toEqual({ uid: 1000, gid: 10 });
    expect(resolveChown('app', passwd, group)).toEqual({ uid: 1000, gid: 1000 });
    expect(resolveChown('42:7', undefined, undefined)).toEqual({ uid: 42, gid: 7 });
    expect(() => resolveChown('bob', passwd, group)).toThrow(/no user 'bob'/);
    expect(() => resolveChown('app:staff', passwd, group)).toThrow(/no group 'staff'/);
  });
});
