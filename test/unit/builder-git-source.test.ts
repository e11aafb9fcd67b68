import { describe, expect, it } from 'vitest';
import { gitSourceId, parseGitSource, pickCommit } from '../../src/builder/git-source.js';

describe('ADD git sources: what is one (BuildKit rules)', () => {
  it.each([
    ['git://127.0.0.1/repo.git', { remote: 'git://127.0.0.1/repo.git' }],
    ['git://127.0.0.1:9418/repo#v1', { remote: 'git://127.0.0.1:9418/repo', ref: 'v1' }],
    ['https://example.com/a/b.git#main:docs', { remote: 'https://example.com/a/b.git', ref: 'main', subdir: 'docs' }],
    ['https://example.com/a/b.git#:sub/dir', { remote: 'https://example.com/a/b.git', subdir: 'sub/dir' }],
    ['git@github.com:moby/buildkit.git', { remote: 'git@github.com:moby/buildkit.git' }],
    ['ssh://git@host/x.git#abc', { remote: 'ssh://git@host/x.git', ref: 'abc' }],
  ])('%s', (src, want) => {
    expect(parseGitSource(src)).toEqual(want);
  });

  it.each(['https://example.com/file.tar.gz', 'http://127.0.0.1:8080/x.git.txt', 'src/', 'app.git', 'ftp://x/y.git2'])('%s is not one', (src) => {
    expect(parseGitSource(src)).toBeUndefined();
  });

  it('shows as remote#ref:subdir', () => {
    expect(gitSourceId({ remote: 'git://h/r', ref: 'v1', subdir: 'd' })).toBe('git://h/r#v1:d');
    expect(gitSourceId({ remote: 'git://h/r' })).toBe('git://h/r#');
  });
});

describe('ADD git sources: the commit a ref names', () => {
  const a = 'a'.repeat(40);
  const b = 'b'.repeat(40);
  const c = 'c'.repeat(40);
  const d = 'd'.repeat(40);
  const ls = [`${a}\tHEAD`, `${a}\trefs/heads/main`, `${b}\trefs/heads/dev`, `${c}\trefs/tags/v1`, `${d}\trefs/tags/v1^{}`].join('\n');
  it('HEAD, a branch, a peeled annotated tag, a commit id, nothing', () => {
    expect(pickCommit(ls, undefined)).toBe(a);
    expect(pickCommit(ls, 'dev')).toBe(b);
    expect(pickCommit(ls, 'v1')).toBe(d);
    expect(pickCommit(ls, 'e'.repeat(40))).toBe('e'.repeat(40));
    expect(pickCommit(ls, 'nope')).toBeUndefined();
  });
});
